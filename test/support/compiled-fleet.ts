// Test helpers for the compiler: the reference fleet (gitops/fleet.yaml), fleets grown from it,
// and a reader over one compilation's catalogs.
import { readFileSync } from "node:fs";
import type { CatalogContent, Resource } from "../../shared/protocol.js";
import type { FleetConfig } from "../../controller/config/fleet-schema.js";
import { loadFleet } from "../../controller/config/load-fleet.js";
import { compileFleet, type CompileOptions } from "../../controller/compile/compile.js";
import { parseIni } from "../../controller/compile/ini.js";

export function reference(): FleetConfig {
  const result = loadFleet(readFileSync(new URL("../../gitops/fleet.yaml", import.meta.url)), "fleet.yaml");
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.fleet;
}

/** The reference farm plus `n` builders named builder-001... (addresses 10.1.x.y). */
export function withExtraBuilders(n: number, fleet: FleetConfig = reference()): FleetConfig {
  for (let i = 1; i <= n; i++) {
    fleet.hosts.push({ name: `builder-${String(i).padStart(3, "0")}`, address: `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`, roles: ["builder"] });
  }
  return fleet;
}

/** `fleet` whose names the site's DNS resolves (fleet.nameResolution: dns): no host lists the others. */
export const withDns = (fleet: FleetConfig = reference()): FleetConfig => ({ ...fleet, fleet: { ...fleet.fleet, nameResolution: "dns" } });

/** Compiles `fleet` and returns readers of its catalogs. */
export function compiled(fleet: FleetConfig = reference(), opts?: CompileOptions) {
  const catalogs = compileFleet(fleet, opts);
  const host = (name: string): CatalogContent => {
    const c = catalogs.find((x) => x.host === name);
    if (!c) throw new Error(`no catalog for ${name}`);
    return c;
  };
  const find = (name: string, id: string): Resource | undefined => host(name).resources.find((x) => x.id === id);
  const resource = (name: string, id: string): Resource => {
    const r = find(name, id);
    if (!r) throw new Error(`${name} has no ${id}: ${host(name).resources.map((x) => x.id).join(", ")}`);
    return r;
  };
  const ofKind = (name: string, kind: string): Resource[] => host(name).resources.filter((r) => r.kind === kind);
  const content = (name: string, path: string) => String(resource(name, `file:${path}`).props.content);
  const ini = (name: string, path: string, section: string) => parseIni(content(name, path))[section] ?? {};
  return { catalogs, host, find, resource, ofKind, content, ini };
}

export const HUB = "cs10-koji-00";
export const DB = "cs10-koji-01";
export const NFS = "cs10-koji-02";
export const BUILDER = "cs10-koji-03";
export const LOOKASIDE = "cs10-koji-04";
