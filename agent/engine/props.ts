// Validation of a resource's (or probe's) props against its kind's schema, one compiled
// validator per schema. Messages name the property path, like the catalog decoder does.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { TSchema } from "@sinclair/typebox";

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new WeakMap<TSchema, ValidateFunction>();

function describe(e: ErrorObject): string {
  const at = e.instancePath || "/";
  const extra = e.keyword === "additionalProperties" ? ` ('${String(e.params.additionalProperty)}')` : "";
  return `${at} ${e.message ?? "is invalid"}${extra}`;
}

/** null when valid, else a readable message ("invalid props: /mode must match pattern …"). */
export function checkProps(schema: TSchema, props: unknown): string | null {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(props)) return null;
  return `invalid props: ${(validate.errors ?? []).map(describe).join("; ")}`;
}
