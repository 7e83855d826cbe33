// Validation of a resource's (or probe's) props against its kind's schema. Messages name the
// property path, like the catalog decoder's (shared/schema-check.ts).
import type { TSchema } from "@sinclair/typebox";
import { schemaErrors } from "../../shared/schema-check.js";

/**
 * Verdicts by schema and props object. The catalog in force is converged and probed again and
 * again with the same objects (a catalog is never changed after it is decoded), and checking
 * them was a fifth of a no-op converge (bench/README.md).
 */
const verdicts = new WeakMap<TSchema, WeakMap<object, string | null>>();

/** null when valid, else a readable message ("invalid props: /mode must match pattern …"). */
export function checkProps(schema: TSchema, props: unknown): string | null {
  if (typeof props !== "object" || props === null) return verdict(schema, props);
  const known = verdicts.get(schema) ?? verdicts.set(schema, new WeakMap()).get(schema)!;
  const cached = known.get(props);
  if (cached !== undefined) return cached;
  const v = verdict(schema, props);
  known.set(props, v);
  return v;
}

function verdict(schema: TSchema, props: unknown): string | null {
  const problems = schemaErrors(schema, props);
  return problems.length ? `invalid props: ${problems.join("; ")}` : null;
}
