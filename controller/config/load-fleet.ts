// fleet.yaml → FleetConfig, or every error found, each at file:line:col. Three passes, each only
// if the previous one passed: YAML syntax, schema, cross-references. Never throws: any input
// (garbage, invalid UTF-8, alias bombs, huge files) ends as errors.
import { checkYaml, parseYaml, type ConfigError } from "../../shared/yaml-config.js";
import { crossCheck } from "./cross-checks.js";
import { FleetSchema, type FleetConfig } from "./fleet-schema.js";

/** Beyond this many errors the rest is noise (e.g. one per nesting level of a runaway bracket). */
export const MAX_ERRORS = 20;

export type LoadFleetResult = { ok: true; fleet: FleetConfig } | { ok: false; errors: ConfigError[] };

export function loadFleet(source: string | Uint8Array, file: string): LoadFleetResult {
  const result = load(source, file);
  if (result.ok || result.errors.length <= MAX_ERRORS) return result;
  const shown = result.errors.slice(0, MAX_ERRORS);
  const more = { file, line: shown[MAX_ERRORS - 1]?.line ?? 1, col: 1, message: `${result.errors.length - MAX_ERRORS} more errors not shown` };
  return { ok: false, errors: [...shown, more] };
}

function load(source: string | Uint8Array, file: string): LoadFleetResult {
  try {
    // Parsed once (a 1,000-host fleet.yaml takes ~0.1 s): the emptiness check and the schema read one value.
    const parsed = parseYaml(source, file);
    if (!parsed.ok) return parsed;
    const data = parsed.doc.toJS();
    // A document of only comments parses to null; say so instead of "/ must be object".
    if (data == null) {
      return { ok: false, errors: [{ file, line: 1, col: 1, message: "file is empty: expected apiVersion, fleet and hosts" }] };
    }
    const loaded = checkYaml(parsed.doc, data, FleetSchema);
    if (!loaded.ok) return loaded;
    const errors = crossCheck(loaded.value, loaded.doc);
    return errors.length > 0 ? { ok: false, errors } : { ok: true, fleet: loaded.value };
  } catch (err) {
    // e.g. yaml's "Excessive alias count" from toJS, or a stack overflow on absurd nesting
    return { ok: false, errors: [{ file, line: 1, col: 1, message: `cannot read fleet definition: ${err instanceof Error ? err.message : String(err)}` }] };
  }
}
