// Pure: whether a host's new catalog can change how healthy the host is. Its dependents wait for
// a host to be Ready at its new catalog because applying it may restart, reload or install
// something; when the only difference is the text of files that refresh nothing, the host is
// after its converge what it is before (a periodic re-converge re-applies every other resource
// anyway), so its dependents need it Ready now, not Ready later (plan.ts).
import type { CatalogContent } from "../../shared/protocol.js";
import { diffCatalogs } from "../compile/catalog-diff.js";

/**
 * The only change allowed: a `file`'s `content`. Not its mode, owner or presence (a service that
 * reads it may lose it), nor any other kind (packages, services, mounts, exports, /etc/hosts
 * entries, database objects act on their own), nor a probe (the new one may fail).
 */
const NEUTRAL_KIND = "file";
const NEUTRAL_PROPS = new Set(["content", "contentBase64"]);

/**
 * True when `after` differs from `before` only in the content of files that notify nothing:
 * no resource or probe added or removed, no role changed, nothing restarted or reloaded.
 */
export function healthNeutral(before: CatalogContent | undefined, after: CatalogContent): boolean {
  if (!before) return false;
  const d = diffCatalogs([before], [after])[0];
  if (!d || d.status !== "changed") return false;
  if (d.added.length + d.removed.length > 0) return false;
  if (d.probes.added.length + d.probes.removed.length + d.probes.changed.length > 0) return false;
  if ([...before.roles].sort().join() !== [...after.roles].sort().join()) return false;
  const resources = new Map(after.resources.map((r) => [r.id, r]));
  return d.changed.every((c) => {
    const r = resources.get(c.id);
    return c.kind === NEUTRAL_KIND && r !== undefined && r.notifies.length === 0 && !c.requires && !c.timeoutSeconds && c.props.every((p) => NEUTRAL_PROPS.has(p.key));
  });
}
