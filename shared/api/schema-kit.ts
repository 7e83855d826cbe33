// Building blocks of the API's schemas. Each keeps the TypeScript type of what it describes
// (TypeBox's Static) while shaping the JSON for its three readers: fastify's serializer
// (fast-json-stringify), OpenAPI 3.0 (no `const`, no `type: "null"`: `enum` and `nullable`
// instead) and Ajv, which validates requests and understands `nullable`. A union of literals
// would serialize branch by branch (each tried with a validator); an enum is a plain string.
import { Type, type SchemaOptions, type Static, type TSchema, type TUnsafe } from "@sinclair/typebox";

type Json = Record<string, unknown>;

/** One of `values`, as `{type: "string", enum}`. */
export const StringEnum = <const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnsafe<T[number]> =>
  Type.Unsafe<T[number]>({ ...options, type: "string", enum: [...values] });

/** `schema` or null, inline (an `$id` is dropped: OpenAPI 3.0 cannot make a reference nullable). */
export function Nullable<T extends TSchema>(schema: T, options: SchemaOptions = {}): TUnsafe<Static<T> | null> {
  const { $id: _id, ...rest } = apiForm(schema);
  return Type.Unsafe<Static<T> | null>({ ...rest, ...options, nullable: true });
}

/**
 * A named schema (one with an `$id`) where it is used: embedded, so that fastify's serializers
 * need no shared schemas (each would validate them all again: 5× the app's start-up), and a
 * reference to its component in the OpenAPI document (controller/http/openapi.ts).
 */
export function Named<T extends TSchema>(schema: T, options: SchemaOptions = {}): TUnsafe<Static<T>> {
  if (!schema.$id) throw new Error("Named needs a schema with an $id");
  return Type.Unsafe<Static<T>>({ ...apiForm(schema), ...options });
}

/** A schema of the wire protocol (shared/protocol.ts) in the API's form: literals become enums, `X | null` nullable. */
export const ApiForm = <T extends TSchema>(schema: T, options: SchemaOptions = {}): TUnsafe<Static<T>> =>
  Type.Unsafe<Static<T>>({ ...apiForm(schema), ...options });

const isStringConst = (s: Json): boolean => typeof s.const === "string";

function apiForm(schema: object): Json {
  const s = schema as Json;
  const { anyOf, const: constant, ...rest } = s as Json & { anyOf?: Json[] };
  if (anyOf) {
    if (anyOf.every(isStringConst)) return { ...plain(rest), type: "string", enum: anyOf.map((m) => m.const) };
    const nonNull = anyOf.filter((m) => m.type !== "null");
    if (nonNull.length === 1 && nonNull.length < anyOf.length) return { ...plain(rest), ...apiForm(nonNull[0]!), nullable: true };
    return { ...plain(rest), anyOf: anyOf.map(apiForm) };
  }
  if (typeof constant === "string") return { ...plain(rest), type: "string", enum: [constant] };
  return plain(s);
}

const mapValues = (o: Json): Json => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, apiForm(v as Json)]));

/** String keys only (TypeBox's symbol keys stay behind), sub-schemas rewritten. */
function plain(s: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "properties" || k === "patternProperties") out[k] = mapValues(v as Json);
    else if ((k === "items" || k === "additionalProperties") && typeof v === "object" && v !== null) out[k] = apiForm(v);
    else out[k] = v;
  }
  return out;
}
