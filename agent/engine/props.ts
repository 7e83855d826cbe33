// Validation of a resource's (or probe's) props against its kind's schema. Messages name the
// property path, like the catalog decoder's (shared/schema-check.ts).
import type { TSchema } from "@sinclair/typebox";
import { schemaErrors } from "../../shared/schema-check.js";

/** null when valid, else a readable message ("invalid props: /mode must match pattern …"). */
export function checkProps(schema: TSchema, props: unknown): string | null {
  const problems = schemaErrors(schema, props);
  return problems.length ? `invalid props: ${problems.join("; ")}` : null;
}
