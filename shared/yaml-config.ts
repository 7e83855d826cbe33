// YAML + JSON Schema with errors that point at file:line:col, the schema compiled by Ajv: fast
// on the controller's large files (fleet.yaml, koji.content). The document side, and the
// interpreted check the agent uses, are in shared/yaml-document.ts.
import { Ajv, type ErrorObject } from "ajv";
import type { TSchema, Static } from "@sinclair/typebox";
import type { SchemaProblem } from "./schema-check.js";
import { checkDocument, loadYamlWith, type LoadResult, type LocatedDocument, type PathSegment, type SchemaCheck } from "./yaml-document.js";

export * from "./yaml-document.js";

// verbose: a maxItems error says how many items there are (its data).
const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });

function ajvProblems(errors: readonly ErrorObject[]): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  for (const e of errors) {
    // anyOf/oneOf branches repeat what their members already said
    if (e.keyword === "anyOf" || e.keyword === "oneOf" || e.keyword === "if") continue;
    const path: PathSegment[] = e.instancePath
      .split("/")
      .slice(1)
      .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const problem: SchemaProblem = { path, message: e.message ?? "is invalid" };
    if (e.keyword === "additionalProperties") problem.unknownKey = (e.params as { additionalProperty: string }).additionalProperty;
    if (e.keyword === "required") problem.missingKey = (e.params as { missingProperty: string }).missingProperty;
    if (e.keyword === "maxItems") problem.message = `has ${(e.data as unknown[]).length} items, more than the ${(e.params as { limit: number }).limit} allowed`;
    if (e.keyword === "enum") problem.allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
    out.push(problem);
  }
  return out;
}

function compiled(schema: TSchema): SchemaCheck {
  const validate = ajv.compile(schema);
  return (data) => (validate(data) ? [] : ajvProblems(validate.errors ?? []));
}

/** Parse YAML and check it against a schema; errors carry file:line:col. */
export function loadYaml<S extends TSchema>(source: string | Uint8Array, file: string, schema: S): LoadResult<Static<S>> {
  return loadYamlWith(source, file, compiled(schema));
}

/** Checks a parsed document's value (`doc.toJS()`, computed once by the caller) against a schema. */
export function checkYaml<S extends TSchema>(doc: LocatedDocument, data: unknown, schema: S): LoadResult<Static<S>> {
  return checkDocument(doc, data, compiled(schema));
}
