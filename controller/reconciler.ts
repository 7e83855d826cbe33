// One reconcile = fetch → validate → compile → publish, as a fixed list of small steps.
// An invalid commit is never published: the last good revision stays in force.
import { randomUUID } from "node:crypto";
import type { EventType, FleetEvent } from "../shared/protocol.js";
import { formatConfigError, type ConfigError } from "../shared/yaml-config.js";
import type { Logger } from "../shared/log.js";
import { iso, type Clock } from "../shared/time.js";
import { singleFlight } from "../shared/single-flight.js";
import { CONTROLLER_KEYS } from "../shared/names.js";
import type { Signer } from "../shared/signing.js";
import type { GitSource } from "./git/source.js";
import type { ControllerBus } from "./bus.js";
import { loadFleet } from "./config/load-fleet.js";
import { compileFleet } from "./compile/compile.js";
import { planPublication } from "./publication.js";
import type { FleetState, RevisionInfo } from "./fleet-state.js";

export interface ReconcilerDeps {
  git: GitSource;
  bus: ControllerBus;
  state: FleetState;
  fleetPath: string;
  log: Logger;
  clock: Clock;
  signer: Signer;
}

export type ReconcileOutcome =
  | { kind: "unchanged"; head: string }
  | { kind: "rejected"; head: string; errors: ConfigError[] }
  | { kind: "published"; head: string; put: string[]; removed: string[]; unchanged: string[] };

export class Reconciler {
  private processedHead: string | null = null;
  /** Webhooks and poll ticks call this; concurrent calls coalesce. */
  readonly trigger: () => Promise<ReconcileOutcome>;

  constructor(private readonly d: ReconcilerDeps) {
    this.trigger = singleFlight(() => this.reconcile());
  }

  /** Restores the last good and last rejected revisions recorded in kf-controller. */
  async restore(): Promise<void> {
    const { bus, git, state } = this.d;
    const good = await bus.controller.get(CONTROLLER_KEYS.lastGoodRevision);
    if (good?.operation === "PUT") state.lastGood = await git.commitInfo(good.string()).catch(() => null);
  }

  private async reconcile(): Promise<ReconcileOutcome> {
    const { git, state, clock } = this.d;
    let head: string;
    try {
      head = (await git.sync()).head;
      state.lastSync = { at: iso(clock()), head, error: null };
    } catch (err) {
      state.lastSync = { ...state.lastSync, at: iso(clock()), error: (err as Error).message };
      throw err;
    }
    if (head === this.processedHead) return { kind: "unchanged", head };
    const revision = await git.commitInfo(head);
    const outcome = await this.apply(revision);
    this.processedHead = head;
    return outcome;
  }

  private async apply(revision: RevisionInfo): Promise<ReconcileOutcome> {
    const { git, bus, state, fleetPath, clock, log } = this.d;
    const source = await git.readFile(revision.sha, fleetPath);
    const loaded = source
      ? loadFleet(source, fleetPath)
      : { ok: false as const, errors: [{ file: fleetPath, line: 1, col: 1, message: `file not found at revision ${revision.shortSha}` }] };
    if (!loaded.ok) {
      state.rejected = { revision, errors: loaded.errors, at: iso(clock()) };
      await bus.controller.put(CONTROLLER_KEYS.lastRejectedRevision, revision.sha);
      const lines = loaded.errors.map(formatConfigError);
      log.warn({ revision: revision.sha, errors: lines }, "revision rejected, last good revision stays in force");
      this.emit("revision-rejected", "error", `revision ${revision.shortSha} rejected: ${lines[0]}${lines.length > 1 ? ` (+${lines.length - 1} more)` : ""}`, revision.sha, { errors: lines });
      return { kind: "rejected", head: revision.sha, errors: loaded.errors };
    }
    const compiled = compileFleet(loaded.fleet);
    const plan = planPublication(compiled, revision.sha, state.desired, state.reportedGenerations(), iso(clock()));
    for (const unsigned of plan.put) {
      const catalog = this.d.signer.sign(unsigned);
      await bus.putCatalog(catalog);
      state.desired.set(catalog.host, catalog);
    }
    for (const host of plan.remove) {
      await bus.removeHost(host);
      state.desired.delete(host);
      this.emit("host-removed", "warning", `host ${host} left the fleet; its catalog was deleted`, revision.sha);
    }
    state.lastGood = revision;
    state.rejected = null;
    await bus.controller.put(CONTROLLER_KEYS.lastGoodRevision, revision.sha);
    const put = plan.put.map((c) => c.host);
    log.info({ revision: revision.sha, published: put, unchanged: plan.unchanged.length }, "revision accepted");
    this.emit("revision-accepted", "info", `revision ${revision.shortSha} accepted: ${put.length} host(s) get a new catalog, ${plan.unchanged.length} unchanged`, revision.sha, { published: put, removed: plan.remove });
    return { kind: "published", head: revision.sha, put, removed: plan.remove, unchanged: plan.unchanged };
  }

  private emit(type: EventType, severity: FleetEvent["severity"], message: string, revision: string, data?: Record<string, unknown>): void {
    const event: FleetEvent = {
      protocol: "kf.v1.event", id: randomUUID(), at: iso(this.d.clock()), source: "controller",
      type, severity, message, revision, ...(data ? { data } : {}),
    };
    this.d.state.addEvent(event);
    this.d.bus.publishFleetEvent(event);
  }
}
