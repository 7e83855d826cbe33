// The difference between two compilations, per host: resources added, removed, and changed
// (which top-level props, edges or timeout). Pure, for `koji-fleet plan --against` and for
// tests that say "adding a builder changes exactly this". Catalogs never hold secret values
// (secret-file templates carry placeholders only), so a diff can be shown as is.
import { canonicalJson } from "../../shared/canonical.js";
import type { CatalogContent, Resource } from "../../shared/protocol.js";

export interface PropChange {
  readonly key: string;
  /** undefined: the prop is absent on that side. */
  readonly before: unknown;
  readonly after: unknown;
}

export interface EdgeChange {
  readonly added: string[];
  readonly removed: string[];
}

export interface ResourceChange {
  readonly id: string;
  readonly kind: string;
  readonly props: PropChange[];
  readonly requires?: EdgeChange;
  readonly notifies?: EdgeChange;
  readonly timeoutSeconds?: { before: number | undefined; after: number | undefined };
}

export type HostStatus = "added" | "removed" | "changed" | "unchanged";

export interface HostDiff {
  readonly host: string;
  readonly status: HostStatus;
  readonly roles: { before: string[] | null; after: string[] | null };
  readonly added: Resource[];
  readonly removed: Resource[];
  readonly changed: ResourceChange[];
  readonly probes: { added: string[]; removed: string[]; changed: string[] };
}

/** A resource the compile left as it was is the very object in force (catalog-codec.ts interns them): no encoding then. */
const same = (a: unknown, b: unknown): boolean => a === b || canonicalJson(a) === canonicalJson(b);
const byHost = (cs: readonly CatalogContent[]) => new Map(cs.map((c) => [c.host, c]));
const byId = <T extends { id: string }>(xs: readonly T[]) => new Map(xs.map((x) => [x.id, x]));
const sortedKeys = (...maps: Map<string, unknown>[]) => [...new Set(maps.flatMap((m) => [...m.keys()]))].sort();

function edges(before: readonly string[], after: readonly string[]): EdgeChange | undefined {
  const added = after.filter((x) => !before.includes(x));
  const removed = before.filter((x) => !after.includes(x));
  return added.length + removed.length > 0 ? { added, removed } : undefined;
}

/** What changed in one resource present on both sides, or null if nothing did. */
export function diffResource(before: Resource, after: Resource): ResourceChange | null {
  if (same(before, after)) return null;
  const keys = [...new Set([...Object.keys(before.props), ...Object.keys(after.props)])].sort();
  const props = keys.filter((k) => !same(before.props[k], after.props[k])).map((key) => ({ key, before: before.props[key], after: after.props[key] }));
  const requires = edges(before.requires, after.requires);
  const notifies = edges(before.notifies, after.notifies);
  const timeout = before.timeoutSeconds !== after.timeoutSeconds ? { before: before.timeoutSeconds, after: after.timeoutSeconds } : undefined;
  return {
    id: after.id,
    kind: after.kind,
    props,
    ...(requires && { requires }),
    ...(notifies && { notifies }),
    ...(timeout && { timeoutSeconds: timeout }),
  };
}

function diffHost(host: string, before: CatalogContent | undefined, after: CatalogContent | undefined): HostDiff {
  const a = byId(before?.resources ?? []);
  const b = byId(after?.resources ?? []);
  const ids = sortedKeys(a, b);
  const changed = ids.flatMap((id) => {
    const x = a.get(id);
    const y = b.get(id);
    const d = x && y ? diffResource(x, y) : null;
    return d ? [d] : [];
  });
  const pa = byId(before?.probes ?? []);
  const pb = byId(after?.probes ?? []);
  const probes = {
    added: [...pb.keys()].filter((id) => !pa.has(id)).sort(),
    removed: [...pa.keys()].filter((id) => !pb.has(id)).sort(),
    changed: [...pb.keys()].filter((id) => pa.has(id) && !same(pa.get(id), pb.get(id))).sort(),
  };
  const diff = {
    host,
    roles: { before: before ? [...before.roles] : null, after: after ? [...after.roles] : null },
    added: ids.filter((id) => !a.has(id)).map((id) => b.get(id)!),
    removed: ids.filter((id) => !b.has(id)).map((id) => a.get(id)!),
    changed,
    probes,
  };
  const status: HostStatus = !before ? "added" : !after ? "removed" : !same(before, after) ? "changed" : "unchanged";
  return { ...diff, status };
}

/** Every host of either side, sorted by name, with what changed between `before` and `after`. */
export function diffCatalogs(before: readonly CatalogContent[], after: readonly CatalogContent[]): HostDiff[] {
  const a = byHost(before);
  const b = byHost(after);
  return sortedKeys(a, b).map((host) => diffHost(host, a.get(host), b.get(host)));
}

/** A minimal line diff (longest common subsequence): "  same", "- old", "+ new". */
export function lineDiff(before: string, after: string): string[] {
  const x = before.split("\n");
  const y = after.split("\n");
  // Config files are small; past this a whole-file replacement is as readable.
  if (x.length * y.length > 4_000_000) return [...x.map((l) => `- ${l}`), ...y.map((l) => `+ ${l}`)];
  const lcs: number[][] = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--) for (let j = y.length - 1; j >= 0; j--) lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) out.push(`  ${x[i++]}`), j++;
    else if (i < x.length && (j === y.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push(`- ${x[i++]}`);
    else out.push(`+ ${y[j++]}`);
  }
  return out;
}
