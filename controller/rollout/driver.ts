// Drives the rollout of one revision: holds the catalogs not published yet, publishes them as
// the pure step allows, and records who waits for whom. A failed host halts the rollout until
// a person resumes (after fixing it) or aborts (the rest keep their current catalog).
import type { Catalog, FleetEvent } from "../../shared/protocol.js";
import type { Logger } from "../../shared/log.js";
import { iso, type Clock } from "../../shared/time.js";
import { singleFlight } from "../../shared/single-flight.js";
import type { FleetState } from "../fleet/state.js";
import { controllerEvent } from "../fleet/events.js";
import { fleetMetrics } from "../fleet/metrics.js";
import type { FleetConfig } from "../config/fleet-schema.js";
import type { CatalogPublisher } from "../fleet/publisher.js";
import { hostDependencies, KOJI_ROLE_DEPENDENCIES, type RoleDependencies } from "./graph.js";
import { healthNeutral } from "./health-neutral.js";
import { stepRollout, type HostHealth, type Rollout, type RolloutTarget } from "./plan.js";

export interface RolloutDeps {
  state: FleetState;
  /** Seals, signs and puts the catalogs a step allows; says which made it. */
  publisher: CatalogPublisher;
  emit(e: FleetEvent): void;
  clock: Clock;
  log: Logger;
}

/** A rollout's batch size and role dependencies. */
export interface RolloutSettings {
  maxUnavailable: number;
  roleDependencies: RoleDependencies;
}

/** fleet.yaml's `rollout`; by default one builder at a time (a new one does not count), in Koji's bring-up order. */
export const rolloutSettings = (fleet: FleetConfig | null): RolloutSettings => ({
  maxUnavailable: fleet?.rollout?.maxUnavailable ?? 1,
  roleDependencies: { ...KOJI_ROLE_DEPENDENCIES, ...fleet?.rollout?.dependencies },
});

/**
 * Status-triggered steps may take about 1/(1+this) of the controller's time: after a plan that
 * took d ms, the next status waits until this·d ms have passed. A step looks at every host.
 */
export const STATUS_STEP_SPACING = 3;

export class RolloutDriver {
  current: Rollout | null = null;
  private pending = new Map<string, Catalog>();
  /** From the revision being rolled out. */
  private roleDependencies: RoleDependencies = KOJI_ROLE_DEPENDENCIES;
  readonly tick: () => Promise<void>;
  private nudgeTimer: NodeJS.Timeout | null = null;
  private lastPlanMs = 0;
  private lastPlanEndedAt = -Infinity;

  constructor(private readonly d: RolloutDeps) {
    // A put that fails (NATS reconnecting, a cluster electing a new stream leader) leaves the
    // catalog pending; the next tick (statuses, or the controller's 1 s timer) publishes it.
    this.tick = singleFlight(() => this.step().catch((err: unknown) => this.d.log.warn({ err }, "rollout step failed; retrying on the next tick")));
  }

  /**
   * A host's status changed. With a few hosts the step runs at once, as before, so the rollout
   * is Complete as soon as its last host is Ready. During a farm-wide change of 1,000 hosts,
   * statuses arrive by the thousand a second, and a step per status (each looking at every
   * host) kept the controller's CPU busy for ~15 s per change (bench/README.md,
   * controller-1000): there the steps are spaced by their own cost.
   */
  nudge(): void {
    if (this.nudgeTimer) return;
    const wait = this.lastPlanEndedAt + STATUS_STEP_SPACING * this.lastPlanMs - this.d.clock().getTime();
    if (wait <= 0) {
      void this.tick();
      return;
    }
    this.nudgeTimer = setTimeout(() => {
      this.nudgeTimer = null;
      void this.tick();
    }, wait);
  }

  stop(): void {
    if (this.nudgeTimer) clearTimeout(this.nudgeTimer);
    this.nudgeTimer = null;
  }

  /** A new revision's changed catalogs, with its settings; supersedes a rollout still in progress. */
  start(revision: string, catalogs: readonly Catalog[], settings: RolloutSettings): void {
    // The revision in force compiled again (a new CRL, a Koji gate, a pin) without changing a
    // catalog: the rollout under way goes on, its hosts still waited for and its start kept.
    const r = this.current;
    if (catalogs.length === 0 && r?.revision === revision && (r.phase === "Progressing" || r.phase === "Halted")) return;
    if (r && (r.phase === "Progressing" || r.phase === "Halted")) r.phase = "Superseded";
    this.pending = new Map(catalogs.map((c) => [c.host, c]));
    this.roleDependencies = settings.roleDependencies;
    const startedAt = iso(this.d.clock());
    this.current = {
      revision,
      startedAt,
      // Nothing to roll out is complete as it starts (and adds no duration to the metrics).
      ...(catalogs.length === 0 && { completedAt: startedAt }),
      targets: catalogs.map((c) => this.target(c, settings.roleDependencies, revision)),
      published: {},
      phase: catalogs.length > 0 ? "Progressing" : "Complete",
      halt: null,
      maxUnavailable: settings.maxUnavailable,
      excused: [],
    };
    this.d.state.waiting.clear();
    if (catalogs.length > 0) this.emit("rollout-started", "info", `rollout of ${revision.slice(0, 12)} started: ${catalogs.length} host(s) get a new catalog`);
    // Not awaited: publishing needs the publisher's lock, which our caller (a reconcile) holds.
    setImmediate(() => void this.tick());
  }

  resume(): boolean {
    const r = this.current;
    if (!r || r.phase !== "Halted") return false;
    if (r.halt) r.excused.push(r.halt.host);
    r.phase = "Progressing";
    r.halt = null;
    this.emit("rollout-resumed", "info", `rollout of ${r.revision.slice(0, 12)} resumed`);
    void this.tick();
    return true;
  }

  abort(): boolean {
    const r = this.current;
    if (!r || (r.phase !== "Progressing" && r.phase !== "Halted")) return false;
    r.phase = "Aborted";
    const kept = r.targets.filter((t) => r.published[t.host] === undefined).map((t) => t.host);
    this.pending.clear();
    this.d.state.waiting.clear();
    this.emit("rollout-aborted", "warning", `rollout of ${r.revision.slice(0, 12)} aborted; ${kept.length} host(s) keep their current catalog: ${kept.join(", ") || "none"}`);
    return true;
  }

  /**
   * What the step needs of a host's new catalog. Whether the change is health-neutral is asked
   * only of hosts others wait for (a farm's builders are not): judged against the catalog
   * published to the host now.
   */
  private target(c: Catalog, deps: RoleDependencies, revision: string): RolloutTarget {
    const waitedFor = c.roles.some((role) => Object.values(deps).some((needs) => needs.includes(role)));
    const before = waitedFor ? this.d.state.desired.get(c.host) : undefined;
    return {
      host: c.host,
      digest: c.digest,
      batched: c.roles.includes("builder"),
      // A pinned host's catalog names its pin's revision: the rollout says that one, not head's.
      revision: c.revision,
      held: c.revision === revision ? null : (this.d.state.held.get(c.host) ?? null),
      neutralFrom: before && healthNeutral(before, c) ? before.digest : null,
    };
  }

  private health(): Map<string, HostHealth> {
    const out = new Map<string, HostHealth>();
    for (const v of this.d.state.hosts(this.d.clock())) {
      const ready = v.conditions[0];
      const status = this.d.state.status.get(v.host);
      out.set(v.host, {
        phase: v.phase, appliedDigest: v.applied?.digest ?? null, observedDigest: status?.observed?.digest ?? null,
        agentReady: status?.conditions.some((c) => c.type === "Ready" && c.status === "True") ?? false,
        reason: ready?.reason ?? "", message: ready?.message ?? "", since: ready?.lastTransitionTime ?? "",
      });
    }
    return out;
  }

  private async step(): Promise<void> {
    const r = this.current;
    if (!r || r.phase === "Complete" || r.phase === "Aborted" || r.phase === "Superseded") return;
    const started = this.d.clock().getTime();
    const s = stepRollout(r, this.health(), hostDependencies(this.hostRoles(), this.roleDependencies));
    this.lastPlanEndedAt = this.d.clock().getTime();
    this.lastPlanMs = this.lastPlanEndedAt - started;
    const since = r.startedAt;
    this.d.state.waiting.clear();
    for (const [host, message] of s.waiting) this.d.state.waiting.set(host, { message, since });
    if (s.complete) {
      const now = this.d.clock();
      r.phase = "Complete";
      r.completedAt = iso(now);
      fleetMetrics(this.d.state).rolloutDuration.observe(Math.max(0, now.getTime() - Date.parse(r.startedAt)) / 1000);
      this.emit("rollout-completed", "info", `rollout of ${r.revision.slice(0, 12)} complete: ${r.targets.length} host(s) at the new revision`);
      return;
    }
    if (s.halt && r.phase === "Progressing") {
      r.phase = "Halted";
      r.halt = { ...s.halt, since: iso(this.d.clock()) };
      this.emit("rollout-halted", "error", `rollout of ${r.revision.slice(0, 12)} halted: ${s.halt.message}`, s.halt.host);
      return;
    }
    // This rollout's own map: a newer rollout started while the puts were in flight has its own.
    const pending = this.pending;
    const batch = s.publish.flatMap((host) => pending.get(host) ?? []);
    if (batch.length === 0) return;
    const { published, error } = await this.d.publisher.publish(batch);
    for (const host of published) {
      r.published[host] = iso(this.d.clock());
      pending.delete(host);
      if (this.current === r) this.d.state.waiting.delete(host);
    }
    if (error) throw error;
  }

  /**
   * Each host's roles: its catalog not published yet, else the one in kf-desired. The unpublished
   * ones count so that a new farm's first rollout, with nothing published, follows the bring-up
   * order too (the database and NFS first), and a host taking on a role is waited for as one.
   */
  private hostRoles(): { host: string; roles: readonly string[] }[] {
    const roles = new Map<string, readonly string[]>();
    for (const c of this.d.state.desired.values()) roles.set(c.host, c.roles);
    for (const c of this.pending.values()) roles.set(c.host, c.roles);
    return [...roles].map(([host, r]) => ({ host, roles: r }));
  }

  private emit(type: FleetEvent["type"], severity: FleetEvent["severity"], message: string, host?: string): void {
    this.d.log.info({ event: type, host }, message);
    this.d.emit(controllerEvent(this.d.clock, type, severity, message, { ...(host && { host }), ...(this.current && { revision: this.current.revision }) }));
  }
}
