// A host's status as the controller keeps it. JSON.parse makes a new string of every value, so
// 10,000 hosts' statuses (a result per resource and probe) held ~68 MB of heap, much of it ids,
// kinds and outcomes spelled again per host (the host's catalog in force holds the same strings),
// and an empty `changes` array per result. Reusing them keeps the values and drops the copies
// (~39 MB for the same statuses: status-strings.test.ts).
import type { Catalog, HostStatus, ResourceOutcome } from "../../shared/protocol.js";

const OUTCOMES = new Map<string, ResourceOutcome>((["unchanged", "changed", "would-change", "failed", "skipped", "pruned"] as const).map((o) => [o, o]));

/** The `changes` of every result that has none (most of them): one array, frozen, not one per result. */
const NO_CHANGES: string[] = Object.freeze([]) as unknown as string[];

/** Per catalog in force: its resource and probe ids, kinds, revision and digest, by value. */
const stringsOf = new WeakMap<Catalog, Map<string, string>>();

function catalogStrings(c: Catalog): Map<string, string> {
  let m = stringsOf.get(c);
  if (!m) {
    m = new Map<string, string>();
    for (const s of [c.revision, c.digest, ...c.resources.flatMap((r) => [r.id, r.kind]), ...c.probes.map((p) => p.id)]) m.set(s, s);
    stringsOf.set(c, m);
  }
  return m;
}

/** `s` (fresh from decoding, changed in place) with the strings it shares with `inForce` reused. */
export function shareStrings(s: HostStatus, inForce: Catalog | undefined): HostStatus {
  const m = inForce ? catalogStrings(inForce) : new Map<string, string>();
  const same = (v: string): string => m.get(v) ?? v;
  for (const ref of [s.observed, s.applied]) {
    if (!ref) continue;
    ref.revision = same(ref.revision);
    ref.digest = same(ref.digest);
  }
  for (const r of s.resources) {
    r.id = same(r.id);
    r.kind = same(r.kind);
    r.outcome = OUTCOMES.get(r.outcome) ?? r.outcome;
    if (r.changes.length === 0) r.changes = NO_CHANGES;
  }
  for (const p of s.probes) p.id = same(p.id);
  return s;
}
