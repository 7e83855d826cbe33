// A host's status as the controller keeps it. JSON.parse makes a new string of every value, so
// 10,000 hosts' statuses (a result per resource and probe) held ~68 MB of heap, much of it the
// same ids, kinds, outcomes and condition words spelled again per host, and an empty `changes`
// array per result. One copy of each keeps the values and drops the copies (~39 MB for the same
// statuses: status-strings.test.ts).
import type { Catalog, HostStatus } from "../../shared/protocol.js";

/**
 * Words statuses repeat from host to host, one copy each. Bounded in count and in length, so
 * that an agent sending what no catalog holds (a new 250 KB reason at every put) cannot grow it
 * without end: at most ~4 MB of text; past the count it starts again, merely sharing less.
 */
const words = new Map<string, string>();
export const MAX_WORDS = 20_000;
export const MAX_WORD_LENGTH = 200;

function word<T extends string>(v: T): T {
  if (v.length > MAX_WORD_LENGTH) return v;
  const known = words.get(v);
  if (known !== undefined) return known as T;
  if (words.size >= MAX_WORDS) words.clear();
  words.set(v, v);
  return v;
}

/** How many words are kept and their characters in all (what the bounds bound). */
export function wordsKept(): { count: number; characters: number } {
  let characters = 0;
  for (const w of words.keys()) characters += w.length;
  return { count: words.size, characters };
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
