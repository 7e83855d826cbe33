// fleet.yaml (and the files its koji.content.include names) → FleetConfig, or every error found,
// each at file:line:col of the file at fault. Three passes, each only if the previous one passed:
// YAML syntax, schema, cross-references. Never throws: any input (garbage, invalid UTF-8, alias
// bombs, huge files) ends as errors.
import { checkYaml, parseYaml, type ConfigError, type LocatedDocument, type ParseResult } from "../../shared/yaml-config.js";
import { crossCheck } from "./cross-checks.js";
import { FleetSchema, KOJI_DEFAULTS, type FleetConfig } from "./fleet-schema.js";
import { includeDir, includePatterns, matchInclude, MAX_INCLUDED_FILES, prefetchIncludes, type FleetFiles, type RepoFiles } from "./fleet-files.js";
import { checkKojiContent } from "./koji-content-checks.js";
import { indexContent, mergedContent, type ContentPart } from "./koji-content-index.js";
import { KojiContentFileSchema } from "./koji-content-schema.js";

/** Beyond this many errors the rest is noise (e.g. one per nesting level of a runaway bracket). */
export const MAX_ERRORS = 20;

/** On success, `fleet.koji.content` holds the content of every included file too (its `include` and `drift` kept). */
export type LoadFleetResult = { ok: true; fleet: FleetConfig } | { ok: false; errors: ConfigError[] };

const NO_FILES: RepoFiles = { list: () => [], read: () => null };

/**
 * `repo` gives the files koji.content.include names (paths as `file` is given, e.g. relative to
 * the repository or the working directory); without it an include matches nothing, an error.
 */
export function loadFleet(source: string | Uint8Array, file: string, repo: RepoFiles = NO_FILES): LoadFleetResult {
  return capped(load(parse(source, file), file, repo));
}

/** fleet.yaml at `file` and its includes, read from `files` (a git revision, a directory). */
export async function loadFleetFrom(files: FleetFiles, file: string, missing = "file not found"): Promise<LoadFleetResult> {
  const source = await files.read(file);
  if (!source) return { ok: false, errors: [{ file, line: 1, col: 1, message: missing }] };
  return loadFleetWith(files, file, source);
}

/**
 * fleet.yaml's `source`, with the files its includes name read from `files`. The text is parsed
 * once: the include list comes from the document the loader checks (a 10,000-host fleet.yaml
 * takes ~0.5 s to parse).
 */
export async function loadFleetWith(files: FleetFiles, file: string, source: Uint8Array): Promise<LoadFleetResult> {
  const parsed = parse(source, file);
  const repo = parsed.ok ? await prefetchIncludes(files, file, includePatterns(parsed.doc)) : NO_FILES;
  return capped(load(parsed, file, repo));
}

function capped(result: LoadFleetResult): LoadFleetResult {
  if (result.ok || result.errors.length <= MAX_ERRORS) return result;
  const shown = result.errors.slice(0, MAX_ERRORS);
  const last = shown[MAX_ERRORS - 1]!;
  const more = { file: last.file, line: last.line, col: 1, message: `${result.errors.length - MAX_ERRORS} more errors not shown` };
  return { ok: false, errors: [...shown, more] };
}

const cannotRead = (file: string, err: unknown): ConfigError => ({ file, line: 1, col: 1, message: `cannot read fleet definition: ${err instanceof Error ? err.message : String(err)}` });

function parse(source: string | Uint8Array, file: string): ParseResult {
  try {
    return parseYaml(source, file);
  } catch (err) {
    // e.g. a stack overflow on absurd nesting
    return { ok: false, errors: [cannotRead(file, err)] };
  }
}

function load(parsed: ParseResult, file: string, repo: RepoFiles): LoadFleetResult {
  if (!parsed.ok) return parsed;
  try {
    // The emptiness check, the include list and the schema read one value (toJS is computed once).
    const data = parsed.doc.toJS();
    // A document of only comments parses to null; say so instead of "/ must be object".
    if (data == null) {
      return { ok: false, errors: [{ file, line: 1, col: 1, message: "file is empty: expected apiVersion, fleet and hosts" }] };
    }
    const loaded = checkYaml(parsed.doc, data, FleetSchema);
    if (!loaded.ok) return loaded;
    const fleet = loaded.value;
    const { include = [], drift, ...own } = fleet.koji?.content ?? {};
    const parts: ContentPart[] = [{ doc: loaded.doc, base: ["koji", "content"], content: own }];
    const included = readIncludes(file, include, loaded.doc, repo);
    if (!included.ok) return included;
    parts.push(...included.parts);
    const { index, errors: duplicates } = indexContent(parts);
    const admin = { adminUser: fleet.koji?.adminUser ?? KOJI_DEFAULTS.adminUser, kojiraUser: fleet.koji?.kojiraUser ?? KOJI_DEFAULTS.kojiraUser };
    const errors = [...crossCheck(fleet, loaded.doc), ...sorted([...duplicates, ...checkKojiContent(index, admin)])];
    if (errors.length > 0) return { ok: false, errors };
    const content = mergedContent(index);
    const withContent = fleet.koji?.content === undefined ? fleet : { ...fleet, koji: { ...fleet.koji, content: { ...(include.length > 0 && { include }), ...(drift && { drift }), ...content } } };
    return { ok: true, fleet: withContent };
  } catch (err) {
    // e.g. yaml's "Excessive alias count" from toJS, or a stack overflow on absurd nesting
    return { ok: false, errors: [cannotRead(file, err)] };
  }
}

/** File order, then position: fleet.yaml's own errors come first (crossCheck sorts those). */
const sorted = (errors: ConfigError[]): ConfigError[] =>
  errors.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col || (a.message < b.message ? -1 : 1)));

type Included = { ok: true; parts: ContentPart[] } | { ok: false; errors: ConfigError[] };

function readIncludes(file: string, patterns: readonly string[], doc: LocatedDocument, repo: RepoFiles): Included {
  const errors: ConfigError[] = [];
  const paths: string[] = [];
  patterns.forEach((pattern, i) => {
    const matched = matchInclude(file, pattern, repo.list(includeDir(file, pattern)));
    if (matched.length === 0) errors.push(doc.error(["koji", "content", "include", i], `/koji/content/include/${i}: '${pattern}' matches no file in ${includeDir(file, pattern) || "."}/`));
    for (const p of matched) if (!paths.includes(p)) paths.push(p);
  });
  if (paths.length > MAX_INCLUDED_FILES) {
    errors.push(doc.error(["koji", "content", "include"], `/koji/content/include: ${paths.length} files match, more than the limit of ${MAX_INCLUDED_FILES}`));
  }
  if (errors.length > 0) return { ok: false, errors };
  const parts: ContentPart[] = [];
  for (const path of paths) {
    const source = repo.read(path);
    if (!source) {
      errors.push({ file: path, line: 1, col: 1, message: "cannot read file" });
      continue;
    }
    const parsed = parseYaml(source, path);
    if (!parsed.ok) {
      errors.push(...parsed.errors);
      continue;
    }
    // A file of only comments declares nothing: fine, e.g. while a file is being written.
    const data = parsed.doc.toJS();
    if (data == null) continue;
    const loaded = checkYaml(parsed.doc, data, KojiContentFileSchema);
    if (loaded.ok) parts.push({ doc: loaded.doc, base: [], content: loaded.value });
    else errors.push(...loaded.errors);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, parts };
}
