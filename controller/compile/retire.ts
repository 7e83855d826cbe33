// What a host gets when it leaves the fleet: the farm CA out of its trust store, so it no
// longer trusts the farm's hub, web and lookaside. It keeps its other files (pruning a
// decommissioned machine is not ours to do); a retirement catalog has no roles, which is how
// the controller tells it from a host's catalog.
import type { CatalogContent } from "../../shared/protocol.js";
import { PATHS } from "./farm.js";
import { execRefreshOnly } from "./kinds.js";
import { UPDATE_CA_TRUST } from "./common.js";

export function retirementCatalog(host: string): CatalogContent {
  return {
    host,
    roles: [],
    resources: [
      {
        id: `pem-bundle:${PATHS.caAnchor}`,
        kind: "pem-bundle",
        props: { path: PATHS.caAnchor, parts: [{ file: PATHS.caCert }], ensure: "absent" },
        requires: [],
        notifies: [UPDATE_CA_TRUST],
      },
      execRefreshOnly("update-ca-trust", ["/usr/bin/update-ca-trust", "extract"]),
    ],
    probes: [],
  };
}

export const isRetirement = (c: { roles: readonly string[] }): boolean => c.roles.length === 0;
