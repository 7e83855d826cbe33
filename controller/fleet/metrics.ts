// Prometheus metrics (text exposition format 0.0.4): a small pure renderer, and the observer
// that turns the stream of host statuses into "commit → applied / healthy" latencies. See
// docs/metrics.md for every series.
import type { KeptStatus } from "./kept-status.js";
import type { FleetState } from "./state.js";
import type { Rollout } from "../rollout/plan.js";
import { HOST_PHASES, ROLLOUT_PHASES } from "../../shared/api/phases.js";

export type Labels = Readonly<Record<string, string>>;

export type MetricFamily =
  | { name: string; help: string; type: "gauge" | "counter"; samples: readonly { labels?: Labels; value: number }[] }
  | { name: string; help: string; type: "histogram"; samples: readonly { labels?: Labels; histogram: HistogramValue }[] };

export interface HistogramValue {
  /** Upper bounds, ascending, without +Inf. */
  bounds: readonly number[];
  /** Cumulative counts, one per bound. */
  counts: readonly number[];
  sum: number;
  count: number;
}

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const escapeHelp = (s: string): string => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const escapeLabel = (s: string): string => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

function labelText(labels: Labels | undefined, extra?: [string, string]): string {
  const pairs = Object.entries(labels ?? {});
  if (extra) pairs.push(extra);
  return pairs.length === 0 ? "" : `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`;
}

/** Renders metric families in the Prometheus text format 0.0.4 (ends with a newline). */
export function renderMetrics(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(f.name)) throw new Error(`invalid metric name ${f.name}`);
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    if (f.type === "histogram") {
      for (const s of f.samples) {
        const h = s.histogram;
        h.bounds.forEach((b, i) => lines.push(`${f.name}_bucket${labelText(s.labels, ["le", formatValue(b)])} ${h.counts[i] ?? 0}`));
        lines.push(`${f.name}_bucket${labelText(s.labels, ["le", "+Inf"])} ${h.count}`);
        lines.push(`${f.name}_sum${labelText(s.labels)} ${formatValue(h.sum)}`);
        lines.push(`${f.name}_count${labelText(s.labels)} ${h.count}`);
      }
    } else {
      for (const s of f.samples) lines.push(`${f.name}${labelText(s.labels)} ${formatValue(s.value)}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** Seconds: from a commit to a host having it, typically seconds to an hour. */
export const LATENCY_BUCKETS = [1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600] as const;

/** Seconds: a rollout, from a few hosts' tenth of a second to a 10,000-host farm's hour. */
export const ROLLOUT_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600] as const;

/** Seconds: one stage of a revision in the controller, from milliseconds (a local git) to a minute. */
export const STAGE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

/**
 * What the controller does with a revision before the rollout: `fetch` is every git sync (one
 * that brings nothing too), `load` reads and checks fleet.yaml and its files, `compile` compiles
 * the catalogs (pinned hosts' revisions too) and plans what to publish.
 */
export const REVISION_STAGES = ["fetch", "load", "compile"] as const;
export type RevisionStage = (typeof REVISION_STAGES)[number];

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(readonly bounds: readonly number[] = LATENCY_BUCKETS) {
    this.counts = bounds.map(() => 0);
  }
  observe(v: number): void {
    this.bounds.forEach((b, i) => {
      if (v <= b) this.counts[i]!++;
    });
    this.sum += v;
    this.count++;
  }
  value(): HistogramValue {
    return { bounds: this.bounds, counts: [...this.counts], sum: this.sum, count: this.count };
  }
}

/**
 * Fed from host status updates (controller.ts, where followStatus updates FleetState).
 * "Commit time" is the author date of the revision in force (FleetState.lastGood). A host
 * counts as *applied* for that revision the first time it reports `applied.revision` equal to
 * it, and *healthy* the first time it does so with its own Ready condition True. Only
 * transitions seen by this process count: the first status heard from a host is a baseline,
 * so a restarted controller does not report hosts that were already there.
 */
export class MetricsObserver {
  readonly commitToApplied = new Histogram();
  readonly commitToHealthy = new Histogram();
  readonly stages = new Map<RevisionStage, Histogram>(REVISION_STAGES.map((stage) => [stage, new Histogram(STAGE_BUCKETS)]));
  /** From a rollout's start until every host it changed has applied its catalog and is Ready. */
  readonly rolloutDuration = new Histogram(ROLLOUT_BUCKETS);
  gitSyncFailures = 0;
  /** Set by the controller: whether its NATS connection is up. */
  natsConnected: (() => boolean) | null = null;
  private readonly seen = new Set<string>();
  private readonly applied = new Map<string, string>();
  private readonly healthy = new Map<string, string>();
  /** Revisions' commit dates, as they were in force (the host may report one a bit later). */
  private readonly commitDates = new Map<string, number>();
  private lastFailureAt: string | null = null;

  constructor(private readonly state: FleetState) {}

  observeStatus(host: string, s: Pick<KeptStatus, "applied" | "conditions"> | null, now: Date): void {
    const good = this.state.lastGood;
    if (good) {
      this.commitDates.set(good.sha, Date.parse(good.date));
      if (this.commitDates.size > 50) this.commitDates.delete(this.commitDates.keys().next().value!);
    }
    if (!s) {
      this.seen.delete(host);
      this.applied.delete(host);
      this.healthy.delete(host);
      return;
    }
    const rev = s.applied?.revision ?? null;
    const isHealthy = s.conditions.some((c) => c.type === "Ready" && c.status === "True");
    if (!this.seen.has(host)) {
      this.seen.add(host);
      if (rev) this.applied.set(host, rev);
      if (rev && isHealthy) this.healthy.set(host, rev);
      return;
    }
    if (!rev) return;
    const committed = this.commitDates.get(rev);
    const age = committed === undefined || Number.isNaN(committed) ? null : Math.max(0, (now.getTime() - committed) / 1000);
    if (this.applied.get(host) !== rev) {
      this.applied.set(host, rev);
      if (age !== null) this.commitToApplied.observe(age);
    }
    if (isHealthy && this.healthy.get(host) !== rev) {
      this.healthy.set(host, rev);
      if (age !== null) this.commitToHealthy.observe(age);
    }
  }

  observeStage(stage: RevisionStage, seconds: number): void {
    this.stages.get(stage)!.observe(seconds);
  }

  /** After each sync attempt: counts a failed one once (by its time). */
  observeSync(lastSync: FleetState["lastSync"]): void {
    if (lastSync.error !== null && lastSync.at !== null && lastSync.at !== this.lastFailureAt) {
      this.lastFailureAt = lastSync.at;
      this.gitSyncFailures++;
    }
  }
}

const observers = new WeakMap<FleetState, MetricsObserver>();

/** The one observer of a fleet state (created on first use). */
export function fleetMetrics(state: FleetState): MetricsObserver {
  let o = observers.get(state);
  if (!o) observers.set(state, (o = new MetricsObserver(state)));
  return o;
}

/** Every family, from the fleet state at `now`. */
export function collectMetrics(state: FleetState, now: Date, rollout: Rollout | null): MetricFamily[] {
  const m = fleetMetrics(state);
  const hosts = state.hosts(now);
  const statuses = [...state.status.entries()].sort(([a], [b]) => a.localeCompare(b));
  const syncAt = state.lastSync.at ? Date.parse(state.lastSync.at) : NaN;
  const nats = m.natsConnected;
  return [
    { name: "koji_fleet_hosts", type: "gauge", help: "Hosts in the fleet by phase.", samples: HOST_PHASES.map((phase) => ({ labels: { phase }, value: hosts.filter((h) => h.phase === phase).length })) },
    {
      name: "koji_fleet_converge_duration_seconds", type: "gauge", help: "Duration of each host's last converge (status.lastConverge.durationMs).",
      samples: statuses.filter(([, s]) => s.lastConverge).map(([host, s]) => ({ labels: { host }, value: s.lastConverge!.durationMs / 1000 })),
    },
    { name: "koji_fleet_commit_to_applied_seconds", type: "histogram", help: "From a revision's commit date to a host first reporting it applied.", samples: [{ histogram: m.commitToApplied.value() }] },
    { name: "koji_fleet_commit_to_healthy_seconds", type: "histogram", help: "From a revision's commit date to a host first reporting it applied with Ready True.", samples: [{ histogram: m.commitToHealthy.value() }] },
    {
      name: "koji_fleet_revision_stage_seconds", type: "histogram", help: "Time the controller spends on a revision before its rollout, by stage: fetch (each git sync), load (fleet.yaml and its files read and checked), compile (catalogs compiled, publication planned).",
      samples: REVISION_STAGES.map((stage) => ({ labels: { stage }, histogram: m.stages.get(stage)!.value() })),
    },
    { name: "koji_fleet_rollout_duration_seconds", type: "histogram", help: "From a rollout's start to its completion: every host it changed applied and Ready.", samples: [{ histogram: m.rolloutDuration.value() }] },
    {
      name: "koji_fleet_probe_failures", type: "gauge", help: "Failing health probes per host.",
      samples: statuses.map(([host, s]) => ({ labels: { host }, value: s.failing.probes.length })),
    },
    { name: "koji_fleet_rollout_phase", type: "gauge", help: "The current rollout's phase (1), all others 0; all 0 before the first rollout.", samples: ROLLOUT_PHASES.map((phase) => ({ labels: { phase }, value: rollout?.phase === phase ? 1 : 0 })) },
    ...(nats ? [{ name: "koji_fleet_nats_connected", type: "gauge" as const, help: "1 while the controller's NATS connection is up.", samples: [{ value: nats() ? 1 : 0 }] }] : []),
    { name: "koji_fleet_git_sync_age_seconds", type: "gauge", help: "Seconds since the last git sync attempt (successful or not).", samples: Number.isNaN(syncAt) ? [] : [{ value: Math.max(0, (now.getTime() - syncAt) / 1000) }] },
    { name: "koji_fleet_git_sync_failures_total", type: "counter", help: "Failed git syncs since the controller started.", samples: [{ value: m.gitSyncFailures }] },
  ];
}
