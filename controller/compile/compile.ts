// fleet → one catalog content per host. Pure and deterministic: hosts sorted by name, resources
// and probes sorted by id, no clock, no environment, so equal inputs give equal digests.
import { defaultsApplied, type ResolvedHost } from "../config/defaults.js";
import type { FleetConfig, Role } from "../config/fleet-schema.js";
import type { CatalogContent } from "../../shared/protocol.js";
import { commonPart } from "./common.js";
import { roleProbes } from "./probes.js";
import { farmOf, runsHttpd, type CompileOptions, type Farm } from "./farm.js";
import { assemble, type RolePart } from "./resources.js";
import type { CompileMemo } from "./memo.js";
import { builderPart } from "./roles/builder.js";
import { databasePart } from "./roles/database.js";
import { httpdPart } from "./roles/httpd.js";
import { hubPart } from "./roles/hub.js";
import { kojiraPart } from "./roles/kojira.js";
import { lookasidePart } from "./roles/lookaside.js";
import { nfsPart } from "./roles/nfs.js";
import { webPart } from "./roles/web.js";

export type { CompileOptions } from "./farm.js";

const ROLE_PARTS: Record<Role, (farm: Farm, host: ResolvedHost) => RolePart> = {
  hub: hubPart,
  web: webPart,
  kojira: kojiraPart,
  database: databasePart,
  nfs: nfsPart,
  builder: builderPart,
  lookaside: lookasidePart,
};

function hostCatalog(farm: Farm, host: ResolvedHost): CatalogContent {
  const parts = host.roles.map((role) => ROLE_PARTS[role](farm, host));
  // hub, web and lookaside share one httpd: built once from the host's roles.
  if (runsHttpd(host)) parts.push(httpdPart(farm, host));
  parts.push({ resources: [], probes: roleProbes(farm, host) });
  const certIds = [...new Set(parts.flatMap((p) => p.resources.filter((r) => r.kind === "certificate").map((r) => r.id)))].sort();
  return assemble(host.name, host.roles, [commonPart(farm, host, certIds), ...parts]);
}

/**
 * `fleet` must have passed loadFleet; an invalid fleet throws (a bug, not a user error).
 * `opts` carries controller state: which builders Koji knows (their gate opens) and the CA.
 * With `memo`, a host whose inputs did not change since the memo's last compile keeps its content
 * (the same object): callers must not change what this returns. `compiled` sees each content
 * compiled (not taken from the memo) as soon as it is, before the next host's.
 */
export function compileFleet(fleet: FleetConfig, opts: CompileOptions = {}, memo?: CompileMemo, compiled?: (c: CatalogContent) => void): CatalogContent[] {
  const farm = farmOf(defaultsApplied(fleet), opts);
  const one = (host: ResolvedHost): CatalogContent => {
    const c = hostCatalog(farm, host);
    compiled?.(c);
    return c;
  };
  return memo ? memo.contents(farm, one) : farm.fleet.hosts.map(one);
}
