// fleet → one catalog content per host. Pure and deterministic: hosts sorted by name, resources
// and probes sorted by id, no clock, no environment, so equal fleets give equal digests.
import { defaultsApplied, type ResolvedHost } from "../config/defaults.js";
import type { FleetConfig, Role } from "../config/fleet-schema.js";
import type { CatalogContent } from "../../shared/protocol.js";
import { commonPart } from "./common.js";
import { farmOf, type Farm } from "./farm.js";
import { assemble, type RolePart } from "./resources.js";
import { builderPart } from "./roles/builder.js";
import { databasePart } from "./roles/database.js";
import { hubPart } from "./roles/hub.js";
import { kojiraPart } from "./roles/kojira.js";
import { lookasidePart } from "./roles/lookaside.js";
import { nfsPart } from "./roles/nfs.js";
import { webPart } from "./roles/web.js";

const ROLE_PARTS: Record<Role, (farm: Farm, host: ResolvedHost) => RolePart> = {
  hub: hubPart,
  web: webPart,
  kojira: kojiraPart,
  database: databasePart,
  nfs: nfsPart,
  builder: builderPart,
  lookaside: lookasidePart,
};

/** `fleet` must have passed loadFleet; an invalid fleet throws (a bug, not a user error). */
export function compileFleet(fleet: FleetConfig): CatalogContent[] {
  const farm = farmOf(defaultsApplied(fleet));
  return farm.fleet.hosts.map((host) =>
    assemble(host.name, host.roles, [commonPart(farm, host), ...host.roles.map((role) => ROLE_PARTS[role](farm, host))]),
  );
}
