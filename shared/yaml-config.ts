// YAML + JSON Schema with errors that point at file:line:col.
import { parseDocument, LineCounter, isMap, isSeq, isScalar, isNode, type Document } from "yaml";
import { Ajv, type ErrorObject } from "ajv";
import type { TSchema, Static } from "@sinclair/typebox";

export interface ConfigError {
  file: string;
  line: number;
  col: number;
  message: string;
}

export const formatConfigError = (e: ConfigError): string => `${e.file}:${e.line}:${e.col}: ${e.message}`;

export type PathSegment = string | number;

/** A parsed YAML document that can map a data path back to its source position. */
export class LocatedDocument {
  constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** Position of the value at `path` (or of its key), or of the nearest existing ancestor. */
  locate(path: readonly PathSegment[], atKey = false): { line: number; col: number } {
    let node: unknown = this.doc.contents;
    let keyNode: unknown;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        keyNode = pair.key;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === "number" && node.items[seg] !== undefined) {
        node = node.items[seg];
        keyNode = undefined;
      } else break;
    }
    const target = atKey && keyNode ? keyNode : node;
    return isNode(target) && target.range ? this.lines.linePos(target.range[0]) : { line: 1, col: 1 };
  }

  error(path: readonly PathSegment[], message: string, atKey = false): ConfigError {
    return { file: this.file, ...this.locate(path, atKey), message };
  }

  toJS(): unknown {
    return this.doc.toJS({ maxAliasCount: 100 });
  }
}

export type ParseResult = { ok: true; doc: LocatedDocument } | { ok: false; errors: ConfigError[] };

export const MAX_CONFIG_BYTES = 1024 * 1024;

export function parseYaml(source: string | Uint8Array, file: string): ParseResult {
  const bytes = typeof source === "string" ? Buffer.from(source, "utf8") : Buffer.from(source);
  if (bytes.byteLength > MAX_CONFIG_BYTES) {
    return { ok: false, errors: [{ file, line: 1, col: 1, message: `file is ${bytes.byteLength} bytes, larger than the ${MAX_CONFIG_BYTES}-byte limit` }] };
  }
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  const bad = text.indexOf("\uFFFD");
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (bad >= 0 && !Buffer.from(text, "utf8").equals(bytes)) {
    return { ok: false, errors: [{ file, ...lines.linePos(bad), message: "invalid UTF-8 byte sequence" }] };
  }
  // Warnings are unknown tags (`!!js/function`) and the like: the value would silently become a
  // plain string, so they are refused like errors.
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    return {
      ok: false,
      errors: problems.map((e) => ({
        file,
        line: e.linePos?.[0].line ?? 1,
        col: e.linePos?.[0].col ?? 1,
        // The yaml library repeats the position in its message; ours is in front already.
        message: (e.message.split("\n")[0] ?? e.code).replace(/ at line \d+, column \d+:?$/, ""),
      })),
    };
  }
  return { ok: true, doc: new LocatedDocument(file, doc, lines) };
}

const ajv = new Ajv({ allErrors: true, strict: false });

function schemaErrors(doc: LocatedDocument, errors: ErrorObject[]): ConfigError[] {
  const seen = new Set<string>();
  const out: ConfigError[] = [];
  for (const e of errors) {
    // anyOf/oneOf branches repeat what their members already said
    if (e.keyword === "anyOf" || e.keyword === "oneOf" || e.keyword === "if") continue;
    const path: PathSegment[] = e.instancePath
      .split("/")
      .slice(1)
      .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const extra = e.keyword === "additionalProperties" ? (e.params as { additionalProperty: string }).additionalProperty : undefined;
    const missing = e.keyword === "required" ? (e.params as { missingProperty: string }).missingProperty : undefined;
    const where = e.instancePath || "/";
    let message = `${where} ${e.message ?? "is invalid"}`;
    if (extra) message = `${where}: unknown key '${extra}'`;
    if (missing) message = `${where}: missing required key '${missing}'`;
    if (e.keyword === "enum") message += `: ${(e.params as { allowedValues: unknown[] }).allowedValues.map(String).join(", ")}`;
    const err = doc.error(extra ? [...path, extra] : path, message, Boolean(extra));
    const key = formatConfigError(err);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(err);
    }
  }
  return out;
}

export type LoadResult<T> = { ok: true; value: T; doc: LocatedDocument } | { ok: false; errors: ConfigError[] };

/** Parse YAML and check it against a schema; errors carry file:line:col. */
export function loadYaml<S extends TSchema>(source: string | Uint8Array, file: string, schema: S): LoadResult<Static<S>> {
  const parsed = parseYaml(source, file);
  if (!parsed.ok) return parsed;
  let data: unknown;
  try {
    data = parsed.doc.toJS();
  } catch (err) {
    // e.g. an alias bomb: too many alias expansions
    return { ok: false, errors: [{ file, line: 1, col: 1, message: (err as Error).message }] };
  }
  return checkYaml(parsed.doc, data, schema);
}

/** Checks a parsed document's value (`doc.toJS()`, computed once by the caller) against a schema. */
export function checkYaml<S extends TSchema>(doc: LocatedDocument, data: unknown, schema: S): LoadResult<Static<S>> {
  const validate = ajv.compile(schema);
  if (!validate(data)) return { ok: false, errors: schemaErrors(doc, validate.errors ?? []) };
  return { ok: true, value: data as Static<S>, doc };
}
