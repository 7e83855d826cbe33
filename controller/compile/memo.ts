// Per host, the catalog content compiled last and the inputs it came from, so that a revision
// changing one host's entry compiles that host alone (at 10,000 hosts a whole compile is seconds).
// A host's inputs are what its parts read of the farm (farm.ts): the fleet's settings, the compile
// options, the hosts everybody connects to (hub, database, nfs, kojira, webs, the first lookaside)
// and the host itself; a builder also reads every lookaside (/etc/hosts) and whether Koji
// registered it, the NFS server every host that mounts the tree (its exports). A part that comes
// to read more of the farm must add it here; memo.test.ts compares against compiling afresh.
import type { ResolvedHost } from "../config/defaults.js";
import type { CatalogContent } from "../../shared/protocol.js";
import type { Farm } from "./farm.js";
import { exportClients } from "./roles/nfs.js";
import { registered } from "./roles/builder.js";

export class CompileMemo {
  private farmKey: string | null = null;
  private byHost = new Map<string, { key: string; content: CatalogContent }>();
  /** Hosts compiled rather than taken from the memo since it was made (what its tests count). */
  compiled = 0;

  /** Every host's content, in the farm's order: the last one where its inputs are unchanged, else `compile(host)`. */
  contents(farm: Farm, compile: (host: ResolvedHost) => CatalogContent): CatalogContent[] {
    const farmKey = keyOfFarm(farm);
    if (farmKey !== this.farmKey) this.byHost.clear();
    this.farmKey = farmKey;
    const shared = sharedByRole(farm);
    const next = new Map<string, { key: string; content: CatalogContent }>();
    const out = farm.fleet.hosts.map((host) => {
      const key = keyOfHost(farm, host, shared);
      const last = this.byHost.get(host.name);
      let content = last?.content;
      if (!content || last?.key !== key) {
        this.compiled++;
        content = compile(host);
      }
      next.set(host.name, { key, content });
      return content;
    });
    // Hosts gone from the fleet are forgotten.
    this.byHost = next;
    return out;
  }
}

function keyOfFarm(farm: Farm): string {
  const { name, domain, nameResolution, koji } = farm.fleet;
  const { caCertPem, crlPem, kojiraPermitted } = farm.opts;
  return JSON.stringify([name, domain, nameResolution, koji, caCertPem ?? null, crlPem ?? null, kojiraPermitted ?? false, farm.hub, farm.database, farm.nfs, farm.kojira, farm.webs, farm.lookasides[0] ?? null]);
}

/** Inputs read by every host of a role, encoded once per compile (and only if a host has the role). */
function sharedByRole(farm: Farm): { lookasides: () => string; exports: () => string } {
  const once = (f: () => string): (() => string) => {
    let text: string | undefined;
    return () => (text ??= f());
  };
  return { lookasides: once(() => JSON.stringify(farm.lookasides)), exports: once(() => JSON.stringify(exportClients(farm))) };
}

function keyOfHost(farm: Farm, host: ResolvedHost, shared: ReturnType<typeof sharedByRole>): string {
  let key = JSON.stringify(host);
  if (host.roles.includes("builder")) key += `\n${String(registered(farm, host))}\n${shared.lookasides()}`;
  if (host.roles.includes("nfs")) key += `\n${shared.exports()}`;
  return key;
}
