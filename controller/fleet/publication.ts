// Pure: which hosts get a new catalog for a revision, and with which generation.
// A host whose content digest did not change is not touched.
import { digestOf } from "../../shared/canonical.js";
import type { Catalog, CatalogContent } from "../../shared/protocol.js";
import { retirementCatalog } from "../compile/retire.js";

export interface PublicationPlan {
  put: Catalog[];
  remove: string[];
  unchanged: string[];
}

export function contentDigest(c: CatalogContent): string {
  return digestOf({ host: c.host, roles: c.roles, resources: c.resources, probes: c.probes });
}

/**
 * @param current  what kf-desired holds now, per host
 * @param reportedGeneration  the highest generation each agent reported; keeps generations
 *   increasing even if the desired bucket was lost
 * @param revisionOf  hosts whose content comes from another revision than `revision` (pins):
 *   their new catalog names it
 * @param digest  contentDigest, or one that returns the same from texts it kept (CatalogCodec)
 */
export function planPublication(
  compiled: readonly CatalogContent[],
  revision: string,
  current: ReadonlyMap<string, Catalog>,
  reportedGeneration: ReadonlyMap<string, number>,
  issuedAt: string,
  revisionOf: ReadonlyMap<string, string> = new Map(),
  digest: (c: CatalogContent) => string = contentDigest,
): PublicationPlan {
  const plan: PublicationPlan = { put: [], remove: [], unchanged: [] };
  const wanted = new Set<string>();
  for (const content of compiled) {
    wanted.add(content.host);
    const now = current.get(content.host);
    const d = digest(content);
    if (now && now.digest === d) {
      plan.unchanged.push(content.host);
      continue;
    }
    const generation = Math.max(now?.generation ?? 0, reportedGeneration.get(content.host) ?? 0) + 1;
    plan.put.push({
      protocol: "kf.v1.catalog",
      host: content.host,
      revision: revisionOf.get(content.host) ?? revision,
      generation,
      issuedAt,
      digest: d,
      roles: content.roles,
      resources: content.resources,
      probes: content.probes,
    });
  }
  // A host already retired (a catalog without roles) is not removed again.
  for (const [host, c] of current) if (!wanted.has(host) && c.roles.length > 0) plan.remove.push(host);
  plan.remove.sort();
  return plan;
}

/** The catalog of a host that left the fleet at `revision`: the next generation of what it has. */
export function retirement(host: string, revision: string, current: ReadonlyMap<string, Catalog>, issuedAt: string): Catalog {
  const content = retirementCatalog(host);
  const generation = (current.get(host)?.generation ?? 0) + 1;
  return { protocol: "kf.v1.catalog", revision, generation, issuedAt, digest: contentDigest(content), ...content };
}
