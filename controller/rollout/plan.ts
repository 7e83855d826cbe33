// Pure: one step of a rollout. Given what was published and how hosts are doing, which hosts
// get their new catalog now, which wait (and for whom), and whether the rollout halts.
import type { HostPhase, RolloutPhase } from "../../shared/api/phases.js";
import type { HostView } from "../../shared/api/hosts.js";

export interface RolloutTarget {
  host: string;
  /** Content digest of the host's new catalog: the host is done when it applied this. */
  digest: string;
  /** Builders roll in batches of maxUnavailable; other roles go as soon as they may. */
  batched: boolean;
  /** The revision the host's new catalog was compiled from: the rollout's, or its pin's or rollback's. */
  revision: string;
  /** The pin or fleet-wide rollback behind `revision` when it is not the rollout's; null: head. */
  held: HostView["held"];
  /**
   * The digest of the catalog this one replaces, when the change between them cannot affect the
   * host's health (health-neutral.ts); null otherwise. Its dependents then wait for it to be
   * Ready at either catalog instead of at the new one.
   */
  neutralFrom?: string | null;
}

export interface Rollout {
  revision: string;
  startedAt: string;
  /** When every target was done: set as the phase becomes Complete (the metric's end too). */
  completedAt?: string;
  targets: RolloutTarget[];
  /** host → when its new catalog was published */
  published: Record<string, string>;
  phase: RolloutPhase;
  halt: { host: string; message: string; since: string } | null;
  maxUnavailable: number;
  /** Hosts a person resumed past: they count as done and their failure no longer halts. */
  excused: string[];
}

export interface HostHealth {
  phase: HostPhase;
  appliedDigest: string | null;
  /** The catalog the host's last converge was about, whether it succeeded or not. */
  observedDigest: string | null;
  /** The agent says it is Ready at the catalog it applied last (appliedDigest), new or not. */
  agentReady?: boolean;
  /** The host's Ready condition: why it is not ready, and since when. */
  reason: string;
  message: string;
  since: string;
}

export interface RolloutStep {
  publish: string[];
  /** host → why it waits, e.g. "waiting for database on cs10-koji-01 (probe … failing since …)" */
  waiting: Map<string, string>;
  halt: { host: string; message: string } | null;
  complete: boolean;
}

/**
 * The new catalog's doing: its converge failed, or the host failed at or after its publish. A
 * failure that began before and is not the new catalog's converge (a probe that failed while
 * the host was still coming up) makes the rollout wait for the host instead of halting for
 * good: the Koji lane halted a farm's first rollout on a kojiweb probe that failed for one
 * second just before the hub's second catalog. A host already failing that then fails its new
 * catalog too must still halt: its condition keeps the older `since`.
 */
const failedOnNewCatalog = (t: RolloutTarget, publishedAt: string, h: HostHealth): boolean =>
  h.phase === "Failed" &&
  ((h.observedDigest === t.digest && h.appliedDigest !== t.digest) || !(Date.parse(h.since) < Date.parse(publishedAt)));

export const isDone = (t: RolloutTarget, r: Rollout, h: HostHealth | undefined): boolean =>
  r.published[t.host] !== undefined && (r.excused.includes(t.host) || (h?.phase === "Ready" && h.appliedDigest === t.digest));

/**
 * A batched host that never applied a catalog (a new builder) serves nothing yet: taking its
 * first catalog makes nothing unavailable, so it does not wait for, nor count in, the batch. A
 * new farm's builders then converge together instead of one at a time.
 */
const spendsBatch = (t: RolloutTarget, h: HostHealth | undefined): boolean => t.batched && (h?.appliedDigest ?? null) !== null;

export function stepRollout(r: Rollout, health: ReadonlyMap<string, HostHealth>, deps: ReadonlyMap<string, readonly { host: string; role: string }[]>): RolloutStep {
  const step: RolloutStep = { publish: [], waiting: new Map(), halt: null, complete: false };
  const targets = new Map(r.targets.map((t) => [t.host, t]));
  const memo = new Map<string, boolean>();
  /**
   * Whether the hosts waiting for `host` may have their new catalogs. A target whose change is
   * health-neutral releases them while the agent is Ready at its old or new catalog and not
   * failing or silent, once what it waits for itself does (the order stays transitive); a
   * host that reports Ready at a catalog older than the one the change was judged against
   * does not count.
   */
  const done = (host: string): boolean => {
    const known = memo.get(host);
    if (known !== undefined) return known;
    memo.set(host, false); // a cycle between hosts (two hosts holding each other's roles) releases nobody
    const t = targets.get(host);
    const h = health.get(host);
    const v = !t
      ? h?.phase === "Ready"
      : isDone(t, r, h) ||
        (Boolean(t.neutralFrom) && h !== undefined && h.agentReady === true && h.phase !== "Failed" && h.phase !== "Unknown" &&
          (h.appliedDigest === t.neutralFrom || h.appliedDigest === t.digest) && (deps.get(host) ?? []).every((d) => done(d.host)));
    memo.set(host, v);
    return v;
  };
  if (r.targets.every((t) => isDone(t, r, health.get(t.host)))) return { ...step, complete: true };
  for (const t of r.targets) {
    const h = health.get(t.host);
    const publishedAt = r.published[t.host];
    if (publishedAt !== undefined && h && failedOnNewCatalog(t, publishedAt, h) && !r.excused.includes(t.host)) {
      return { ...step, halt: { host: t.host, message: `${t.host} failed after its new catalog: ${h.reason}: ${h.message}` } };
    }
  }
  if (r.phase !== "Progressing") return step;
  let inFlight = r.targets.filter((t) => spendsBatch(t, health.get(t.host)) && r.published[t.host] !== undefined && !isDone(t, r, health.get(t.host))).length;
  for (const t of r.targets) {
    if (r.published[t.host] !== undefined) continue;
    const blocker = (deps.get(t.host) ?? []).find((d) => !done(d.host));
    if (blocker) {
      const h = health.get(blocker.host);
      const why = h ? `${h.phase}: ${h.message}${h.since ? ` since ${h.since}` : ""}` : "no status";
      step.waiting.set(t.host, `waiting for ${blocker.role} on ${blocker.host} (${why})`);
      continue;
    }
    const spends = spendsBatch(t, health.get(t.host));
    if (spends && inFlight >= r.maxUnavailable) {
      step.waiting.set(t.host, `waiting for its batch: ${inFlight} builder(s) of this rollout are not Ready yet (maxUnavailable ${r.maxUnavailable})`);
      continue;
    }
    if (spends) inFlight++;
    step.publish.push(t.host);
  }
  return step;
}
