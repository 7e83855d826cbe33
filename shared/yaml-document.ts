// A YAML file as a located document: parsed, its values mapped back to file:line:col, and
// schema problems worded as config errors. No schema engine here: shared/yaml-config.ts checks
// with Ajv (compiled once, for the controller's large files), readYamlInterpreted below with
// TypeBox's interpreter, which holds no generated code in a long-running agent.
import { parseDocument, LineCounter, isMap, isSeq, isScalar, isNode, type Document } from "yaml";
import type { TSchema, Static } from "@sinclair/typebox";
import { readFileSync } from "node:fs";
import { didYouMean } from "./did-you-mean.js";
import { FleetError } from "./errors.js";
import { schemaProblems, type SchemaProblem } from "./schema-check.js";

export interface ConfigError {
  file: string;
  line: number;
  col: number;
  message: string;
}

export const formatConfigError = (e: ConfigError): string => `${e.file}:${e.line}:${e.col}: ${e.message}`;

/**
 * A daemon's config file, or KF_ERR_CONFIG_INVALID (exit 1) saying what is wrong with the path
 * and, when it does not exist, `create` (how to make one), instead of a bare ENOENT.
 */
export function readConfigFile(file: string, create: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new FleetError("KF_ERR_CONFIG_INVALID", `${file}: no such file; ${create}`);
    if (code === "EACCES") throw new FleetError("KF_ERR_CONFIG_INVALID", `${file}: permission denied (run as root, or as the user the daemon runs as)`);
    if (code === "EISDIR") throw new FleetError("KF_ERR_CONFIG_INVALID", `${file}: is a directory, not a config file`);
    throw new FleetError("KF_ERR_CONFIG_INVALID", `${file}: cannot read: ${(err as Error).message}`);
  }
}

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

  /** Computed once: messages name items by the value (see `where`). Throws on an alias bomb. */
  toJS(): unknown {
    if (!this.computed) this.value = compactStrings(this.doc.toJS({ maxAliasCount: 100 }), new Set());
    this.computed = true;
    return this.value;
  }

  /** `path` for a message: see `describePath`. */
  where(path: readonly PathSegment[]): string {
    let data: unknown;
    try {
      data = this.toJS();
    } catch {
      data = undefined;
    }
    return describePath(path, data);
  }

  private value: unknown;
  private computed = false;
}

const isNamed = (v: unknown): v is { name: string } => typeof v === "object" && v !== null && typeof (v as { name?: unknown }).name === "string";

/**
 * A data path as a person reads it. Up to its last list item that has a `name`, that item is
 * named (`hosts[4] cs10-koji-04`, the index kept as it is how a YAML list is counted) and the
 * rest follows dotted (`hosts[3] b1: settings.workdir`). A path through no named item stays a
 * JSON pointer (`/koji/hub`), the way ajv and the docs spell it.
 */
export function describePath(path: readonly PathSegment[], data: unknown): string {
  let node = data;
  let named = -1;
  let name = "";
  path.forEach((seg, i) => {
    node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[seg] : undefined;
    if (typeof seg === "number" && isNamed(node)) [named, name] = [i, node.name];
  });
  if (named < 0) return `/${path.map((s) => String(s).replace(/~/g, "~0").replace(/\//g, "~1")).join("/")}`;
  const dotted = (segs: readonly PathSegment[]) => segs.map((s, i) => (typeof s === "number" ? `[${s}]` : `${i > 0 ? "." : ""}${s}`)).join("");
  const rest = path.slice(named + 1);
  return `${dotted(path.slice(0, named + 1))} ${name}${rest.length > 0 ? `: ${dotted(rest)}` : ""}`;
}

/** The value at `path` in `data`, or undefined. */
const valueAt = (data: unknown, path: readonly PathSegment[]): unknown =>
  path.reduce<unknown>((node, seg) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[seg] : undefined), data);

/**
 * A value outside its enumeration: `<where>: unknown role 'lookasde' (did you mean 'lookaside'?)`.
 * A list item is told by the list's name made singular, a scalar by its key.
 */
function enumMessage(doc: LocatedDocument, path: readonly PathSegment[], allowed: readonly string[]): string {
  const last = path[path.length - 1];
  const inList = typeof last === "number";
  const key = String(inList ? (path[path.length - 2] ?? "value") : (last ?? "value"));
  const noun = inList ? key.replace(/s$/, "") : key;
  const subject = path.slice(0, inList ? -2 : -1);
  let value: unknown;
  try {
    value = valueAt(doc.toJS(), path);
  } catch {
    value = undefined;
  }
  const shown = typeof value === "string" ? value : JSON.stringify(value);
  return `${doc.where(subject)}: unknown ${noun} '${shown}'${didYouMean(String(shown), allowed)}; allowed: ${allowed.join(", ")}`;
}

export type ParseResult = { ok: true; doc: LocatedDocument } | { ok: false; errors: ConfigError[] };

// 10,000 hosts (fleet.yaml's limit) of ~100 bytes each, some with settings, fit with room to spare.
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

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

/** A failure after parsing keeps the document, for callers that explain a value better than the schema does. */
export type LoadResult<T> = { ok: true; value: T; doc: LocatedDocument } | { ok: false; errors: ConfigError[]; doc?: LocatedDocument };

/** Schema problems as config errors at the value (or, for an unknown key, the key) they are about. */
function problemErrors(doc: LocatedDocument, problems: readonly SchemaProblem[]): ConfigError[] {
  const seen = new Set<string>();
  const out: ConfigError[] = [];
  for (const p of problems) {
    const where = doc.where(p.path);
    let message = `${where} ${p.message}`;
    if (p.unknownKey !== undefined) message = `${where}: unknown key '${p.unknownKey}'`;
    if (p.missingKey !== undefined) message = `${where}: missing required key '${p.missingKey}'`;
    if (p.allowed) message = enumMessage(doc, p.path, p.allowed);
    const err = p.unknownKey !== undefined ? doc.error([...p.path, p.unknownKey], message, true) : doc.error(p.path, message);
    const key = formatConfigError(err);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(err);
    }
  }
  return out;
}

/** What is wrong with a document's value against one schema; [] when it matches. */
export type SchemaCheck = (data: unknown) => readonly SchemaProblem[];

/** Parse YAML and check its value; errors carry file:line:col. */
export function loadYamlWith<T>(source: string | Uint8Array, file: string, check: SchemaCheck): LoadResult<T> {
  const parsed = parseYaml(source, file);
  if (!parsed.ok) return parsed;
  let data: unknown;
  try {
    data = parsed.doc.toJS();
  } catch (err) {
    // e.g. an alias bomb: too many alias expansions
    return { ok: false, errors: [{ file, line: 1, col: 1, message: (err as Error).message }] };
  }
  return checkDocument(parsed.doc, data, check);
}

/** Checks a parsed document's value (`doc.toJS()`, computed once by the caller). */
export function checkDocument<T>(doc: LocatedDocument, data: unknown, check: SchemaCheck): LoadResult<T> {
  const problems = check(data);
  if (problems.length > 0) return { ok: false, errors: problemErrors(doc, problems), doc };
  return { ok: true, value: data as T, doc };
}

/**
 * loadYaml with TypeBox's interpreter instead of Ajv: for a file read once by a long-running
 * process (agent.yaml), where Ajv's generated code and Ajv itself would stay resident for good.
 */
export function loadYamlInterpreted<S extends TSchema>(source: string | Uint8Array, file: string, schema: S): LoadResult<Static<S>> {
  return loadYamlWith(source, file, (data) => schemaProblems(schema, data));
}

const LATIN1 = /^[\x00-\xff]*$/;

/**
 * The value's strings as copies of their own, one byte per character where each fits (in place).
 * The parser's strings are slices of the source text: one character beyond Latin-1 anywhere in
 * the file (a comment's "…") makes every one of them two bytes per character, and so everything
 * built from them (every catalog of a fleet). At 10,000 hosts that was 40 MB more heap with two
 * revisions alive and a fifth more CPU to compile, sign and encode them (docs/scaling.md).
 */
function compactStrings(value: unknown, seen: Set<object>): unknown {
  if (typeof value === "string") return LATIN1.test(value) ? Buffer.from(value, "latin1").toString("latin1") : value;
  if (value === null || typeof value !== "object" || seen.has(value)) return value;
  // An alias makes two places one object: it is compacted once.
  seen.add(value);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = compactStrings(record[key], seen);
  return value;
}
