// A host's status as the controller keeps it in memory. An agent reports a result for every
// resource and probe (~30 objects a host, nearly all unchanged and healthy): at 10,000 hosts they
// were most of the statuses' heap, and only one host's detail (GET /api/v1/hosts/:host) lists
// them, read then from kf-status. Kept are what the views, the rollout and the metrics read: the
// counts, what failed, the rest of the status. JSON.parse also spells every id, kind and
// condition word again per host: one copy of each is kept (kept-status.test.ts measures both).
import type { Catalog, HostStatus } from "../../shared/protocol.js";
import type { HostView } from "../../shared/api/hosts.js";

/** A status less its results, with their counts and what fails, as a host's view shows them. */
export interface KeptStatus extends Omit<HostStatus, "resources" | "probes">, Pick<HostView, "resources" | "failing"> {}

/**
 * Words statuses repeat from host to host, one copy each. Bounded in count and in length, so
 * that an agent sending what no catalog holds (a new 250 KB reason at every put) cannot grow it
 * without end: at most 4 million characters; past the count it starts again, merely sharing less.
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

/** What nothing fails (most hosts): one frozen list, not one per status. */
const NOTHING: never[] = Object.freeze([]) as unknown as never[];

/** `s` (fresh from decoding; its refs and conditions are reused) as the controller keeps it. */
export function keptStatus(s: HostStatus, inForce?: Catalog): KeptStatus {
  const { resources: results, probes, ...kept } = s;
  kept.protocol = word(kept.protocol);
  kept.agentVersion = word(kept.agentVersion);
  // Revision and digest: the catalog in force's own, when the status names it (digests are per host).
  for (const ref of [kept.observed, kept.applied]) {
    if (!ref || !inForce) continue;
    if (ref.revision === inForce.revision) ref.revision = inForce.revision;
    if (ref.digest === inForce.digest) ref.digest = inForce.digest;
  }
  const { observed, applied } = kept;
  if (observed && applied && observed.revision === applied.revision && observed.generation === applied.generation && observed.digest === applied.digest) kept.observed = applied;
  for (const c of kept.conditions) {
    c.type = word(c.type);
    c.status = word(c.status);
    c.reason = word(c.reason);
  }
  let changed = 0, wouldChange = 0;
  const failed: KeptStatus["failing"]["resources"] = [];
  for (const r of results) {
    if (r.outcome === "changed") changed++;
    else if (r.outcome === "would-change") wouldChange++;
    else if (r.outcome === "failed") failed.push({ id: word(r.id), error: r.error ?? "failed" });
  }
  const failingProbes = probes.filter((p) => !p.healthy).map((p) => ({ id: word(p.id), output: p.output, since: p.since }));
  return {
    ...kept,
    resources: { total: results.length, changed, failed: failed.length, wouldChange },
    failing: { resources: failed.length > 0 ? failed : NOTHING, probes: failingProbes.length > 0 ? failingProbes : NOTHING },
  };
}
