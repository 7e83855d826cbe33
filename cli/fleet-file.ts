// `validate` and `nats-config` take the desired-state repository or its fleet.yaml.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { formatConfigError } from "../shared/yaml-config.js";
import { loadFleet } from "../controller/config/load-fleet.js";
import { filesOnDisk } from "../controller/config/fleet-files.js";
import type { FleetConfig } from "../controller/config/fleet-schema.js";

/** Loads DIR/fleet.yaml or FILE (and the files its koji.content.include names); on failure prints file:line:col errors and returns null. */
export async function loadFleetArg(target: string): Promise<{ fleet: FleetConfig; file: string } | null> {
  const file = (await stat(target).catch(() => null))?.isDirectory() ? join(target, "fleet.yaml") : target;
  const source = await readFile(file).catch(() => null);
  if (!source) return console.error(`${file}:1:1: cannot read file`), null;
  const res = loadFleet(source, file, filesOnDisk);
  if (!res.ok) {
    for (const e of res.errors) console.error(formatConfigError(e));
    return null;
  }
  return { fleet: res.fleet, file };
}
