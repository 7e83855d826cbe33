// One Koji content file checked alone, as `koji-fleet koji export` checks what it writes: the
// same schema and rules loadFleet applies to a file koji.content.include names, with the admin
// and kojira users the fleet would name. Errors are file:line:col of that file.
import { loadYaml, type ConfigError } from "../../shared/yaml-config.js";
import { checkKojiContent } from "./koji-content-checks.js";
import { indexContent } from "./koji-content-index.js";
import { KojiContentFileSchema } from "./koji-content-schema.js";

export function checkContentFile(source: string, file: string, users: { adminUser: string; kojiraUser: string }): ConfigError[] {
  const loaded = loadYaml(source, file, KojiContentFileSchema);
  if (!loaded.ok) return loaded.errors;
  const { index, errors } = indexContent([{ doc: loaded.doc, base: [], content: loaded.value ?? {} }]);
  return [...errors, ...checkKojiContent(index, users)];
}
