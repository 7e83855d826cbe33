// A host's status as the controller keeps it. JSON.parse makes a new string of every value, so
// 10,000 hosts' statuses (a result per resource and probe) held ~68 MB of heap, much of it the
// same ids, kinds, outcomes and condition words spelled again per host, and an empty `changes`
// array per result. One copy of each keeps the values and drops the copies (~39 MB for the same
// statuses: status-strings.test.ts).
import type { Catalog, HostStatus } from "../../shared/protocol.js";

/**
 * Words statuses repeat from host to host, one copy each. Bounded: statuses naming what no
 * catalog holds cannot grow it without end (past the bound it starts again, merely sharing less).
 */
const words = new Map<string, string>();
const MAX_WORDS = 50_000;

function word<T extends string>(v: T): T {
  const known = words.get(v);
  if (known !== undefined) return known as T;
  if (words.size >= MAX_WORDS) words.clear();
  words.set(v, v);
  return v;
}

/** The `changes` of every result that has none (most of them): one array, frozen, not one per result. */
const NO_CHANGES: string[] = Object.freeze([]) as unknown as string[];

/** `s` (fresh from decoding, changed in place) with what it repeats kept once. */
export function shareStrings(s: HostStatus, inForce: Catalog | undefined): HostStatus {
  // Revision and digest: the catalog in force's own, when the status names it (digests are per host).
  for (const ref of [s.observed, s.applied]) {
    if (!ref || !inForce) continue;
    if (ref.revision === inForce.revision) ref.revision = inForce.revision;
    if (ref.digest === inForce.digest) ref.digest = inForce.digest;
  }
  for (const c of s.conditions) {
    c.type = word(c.type);
    c.status = word(c.status);
    c.reason = word(c.reason);
  }
  for (const r of s.resources) {
    r.id = word(r.id);
    r.kind = word(r.kind);
    r.outcome = word(r.outcome);
    if (r.changes.length === 0) r.changes = NO_CHANGES;
  }
  for (const p of s.probes) p.id = word(p.id);
  return s;
}
