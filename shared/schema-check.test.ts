import { Type, type TSchema } from "@sinclair/typebox";
import { Ajv, type ErrorObject } from "ajv";
import { describe, expect, it } from "vitest";
import { CatalogSchema } from "./protocol.js";
import { schemaErrors } from "./schema-check.js";

// The config files are checked by Ajv; run-time values by schemaErrors. Both must read alike.
const ajv = new Ajv({ allErrors: false, strict: false });
const ajvWords = (e: ErrorObject): string =>
  `${e.instancePath || "/"} ${e.message}${e.keyword === "additionalProperties" ? ` ('${String(e.params.additionalProperty)}')` : ""}`;
function ajvFirst(schema: TSchema, value: unknown): string | null {
  const validate = ajv.compile(schema);
  return validate(value) ? null : ajvWords(validate.errors![0]!);
}

const Props = Type.Object(
  {
    path: Type.String({ pattern: "^/" }),
    mode: Type.Optional(Type.String({ minLength: 3, maxLength: 4 })),
    argv: Type.Optional(Type.Array(Type.String(), { minItems: 1, maxItems: 3, uniqueItems: true })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    weight: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
    state: Type.Optional(Type.Union([Type.Literal("present"), Type.Literal("absent")])),
    kind: Type.Optional(Type.Literal("file")),
    on: Type.Optional(Type.Boolean()),
    env: Type.Optional(Type.Record(Type.String({ pattern: "^[A-Z_]+$" }), Type.String(), { additionalProperties: false })),
    nested: Type.Optional(Type.Object({ a: Type.Null() }, { additionalProperties: false })),
    either: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
  },
  { additionalProperties: false },
);

describe("schemaErrors words each failure as Ajv does", () => {
  it.each<[string, unknown]>([
    ["not an object", []],
    ["missing required", {}],
    ["unknown property", { path: "/x", colour: 1 }],
    ["pattern", { path: "x" }],
    ["string too short", { path: "/", mode: "7" }],
    ["string too long", { path: "/", mode: "07777" }],
    ["too few items", { path: "/", argv: [] }],
    ["too many items", { path: "/", argv: ["a", "b", "c", "d"] }],
    ["integer below minimum", { path: "/", port: 0 }],
    ["integer above maximum", { path: "/", port: 70000 }],
    ["not an integer", { path: "/", port: 1.5 }],
    ["exclusive minimum", { path: "/", weight: 0 }],
    ["exclusive maximum", { path: "/", weight: 1 }],
    ["not a number", { path: "/", weight: "x" }],
    ["boolean", { path: "/", on: "yes" }],
    ["record key refused", { path: "/", env: { "A-B": "1" } }],
    ["nested null", { path: "/", nested: { a: 1 } }],
    ["nested unknown property", { path: "/", nested: { a: null, b: 1 } }],
    ["string", { path: 5 }],
  ])("%s", (_name, value) => {
    const expected = ajvFirst(Props, value);
    expect(expected).not.toBeNull();
    expect(schemaErrors(Props, value, 1)).toEqual([expected]);
  });

  // Ajv's allErrors:false reports only the first branch of an anyOf, and no index is known for
  // a duplicate: here the words say more, or less, on purpose.
  it.each<[string, unknown, string]>([
    ["enum of literals: every allowed value", { path: "/", state: "gone" }, "/state must be equal to one of the allowed values: present, absent"],
    ["constant: the value", { path: "/", kind: "dir" }, '/kind must be equal to constant "file"'],
    ["union of types: no branch matched", { path: "/", either: true }, "/either must match a schema in anyOf"],
    ["duplicate items", { path: "/", argv: ["a", "a"] }, "/argv must NOT have duplicate items"],
  ])("%s", (_name, value, words) => {
    expect(ajvFirst(Props, value)).not.toBeNull();
    expect(schemaErrors(Props, value, 1)).toEqual([words]);
  });

  it("a valid value has no errors; every problem is listed up to the limit", () => {
    expect(schemaErrors(Props, { path: "/srv", state: "absent", argv: ["a"] })).toEqual([]);
    const bad = { path: "x", port: 0, colour: 1 };
    expect(schemaErrors(Props, bad)).toEqual(["/ must NOT have additional properties ('colour')", '/path must match pattern "^/"', "/port must be >= 1"]);
    expect(schemaErrors(Props, bad, 2)).toHaveLength(2);
  });

  it("a catalog's first problem is the one Ajv names", () => {
    const catalog = { protocol: "kf.v1.catalog", host: "cs10.koji", generation: 1, revision: "r", resources: [], probes: [] };
    expect(schemaErrors(CatalogSchema, catalog, 1)).toEqual([ajvFirst(CatalogSchema, catalog)]);
  });
});
