// Checks a value against a TypeBox schema by interpreting it (TypeBox's Value), and says what
// is wrong as "path message" lines worded like Ajv's, which checks the config files
// (shared/yaml-config.ts), so that every schema error reads alike. Used where values arrive at
// run time (catalogs, statuses, events over NATS; resource and probe props): Ajv would compile
// each schema to code first, which costs a long-running agent ~5 MB of resident memory for
// the hub's 15 kinds and ~100 ms at its first converge (bench/README.md, agent-footprint).
import type { TSchema } from "@sinclair/typebox";
import { Value, ValueErrorType as E, type ValueError } from "@sinclair/typebox/value";

const TYPE_NAMES: Partial<Record<E, string>> = {
  [E.String]: "string", [E.Integer]: "integer", [E.Number]: "number", [E.Boolean]: "boolean",
  [E.Object]: "object", [E.Array]: "array", [E.Null]: "null",
};

/** Ajv's wording for the keyword that failed; TypeBox's own message for the rare rest. */
function wording(e: ValueError): string {
  const s = e.schema as Record<string, unknown>;
  const type = TYPE_NAMES[e.type];
  if (type) return `must be ${type}`;
  switch (e.type) {
    case E.StringPattern: return `must match pattern "${String(s.pattern)}"`;
    case E.StringMinLength: return `must NOT have fewer than ${String(s.minLength)} characters`;
    case E.StringMaxLength: return `must NOT have more than ${String(s.maxLength)} characters`;
    case E.ArrayMinItems: return `must NOT have fewer than ${String(s.minItems)} items`;
    case E.ArrayMaxItems: return `must NOT have more than ${String(s.maxItems)} items`;
    case E.ArrayUniqueItems: return "must NOT have duplicate items";
    case E.IntegerMinimum: case E.NumberMinimum: return `must be >= ${String(s.minimum)}`;
    case E.IntegerMaximum: case E.NumberMaximum: return `must be <= ${String(s.maximum)}`;
    case E.IntegerExclusiveMinimum: case E.NumberExclusiveMinimum: return `must be > ${String(s.exclusiveMinimum)}`;
    case E.IntegerExclusiveMaximum: case E.NumberExclusiveMaximum: return `must be < ${String(s.exclusiveMaximum)}`;
    case E.Literal: return `must be equal to constant ${JSON.stringify(s.const)}`;
    case E.Union: {
      const consts = (s.anyOf as Record<string, unknown>[] | undefined)?.map((v) => v.const);
      return consts?.every((c) => c !== undefined) ? `must be equal to one of the allowed values: ${consts.join(", ")}` : "must match a schema in anyOf";
    }
    default: return e.message;
  }
}

function describe(e: ValueError): string {
  // Like Ajv, a missing or unknown property is reported at the object that holds it.
  if (e.type === E.ObjectAdditionalProperties || e.type === E.ObjectRequiredProperty) {
    const cut = e.path.lastIndexOf("/");
    const key = e.path.slice(cut + 1).replace(/~1/g, "/").replace(/~0/g, "~");
    const at = e.path.slice(0, cut) || "/";
    return e.type === E.ObjectRequiredProperty ? `${at} must have required property '${key}'` : `${at} must NOT have additional properties ('${key}')`;
  }
  return `${e.path || "/"} ${wording(e)}`;
}

/** One thing wrong with a value, for a message that points at where it is (shared/yaml-document.ts). */
export interface SchemaProblem {
  /** The value's path; for an unknown or missing key, the object's. */
  path: (string | number)[];
  /** Ajv's wording, without the path. */
  message: string;
  unknownKey?: string;
  missingKey?: string;
  /** The value is none of these (a union of constants). */
  allowed?: string[];
}

const segments = (pointer: string): (string | number)[] =>
  pointer.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~")).map((s) => (/^\d+$/.test(s) ? Number(s) : s));

function problem(e: ValueError): SchemaProblem {
  if (e.type === E.ObjectAdditionalProperties || e.type === E.ObjectRequiredProperty) {
    const path = segments(e.path);
    const key = String(path.pop());
    return e.type === E.ObjectRequiredProperty ? { path, message: `must have required property '${key}'`, missingKey: key } : { path, message: "must NOT have additional properties", unknownKey: key };
  }
  const s = e.schema as Record<string, unknown>;
  const consts = e.type === E.Union ? (s.anyOf as Record<string, unknown>[] | undefined)?.map((v) => v.const) : undefined;
  const allowed = consts?.every((c) => c !== undefined) ? consts : undefined;
  return { path: segments(e.path), message: wording(e), ...(allowed && { allowed: allowed.map(String) }) };
}

/** Every problem with `value`, for a config file's errors; [] when it matches. */
export function schemaProblems(schema: TSchema, value: unknown): SchemaProblem[] {
  if (Value.Check(schema, value)) return [];
  const errors = [...Value.Errors(schema, value)];
  // TypeBox also checks a missing property's value (undefined); Ajv, whose wording this is, does not.
  const missing = new Set(errors.filter((e) => e.type === E.ObjectRequiredProperty).map((e) => e.path));
  return errors.filter((e) => e.type === E.ObjectRequiredProperty || !missing.has(e.path)).map(problem);
}

/** What is wrong with `value`, at most `limit` problems; [] when it matches. */
export function schemaErrors(schema: TSchema, value: unknown, limit = Infinity): string[] {
  if (Value.Check(schema, value)) return [];
  const found: string[] = [];
  for (const e of Value.Errors(schema, value)) {
    found.push(describe(e));
    if (found.length >= limit) break;
  }
  return found;
}
