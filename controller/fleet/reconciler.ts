// One reconcile is a fixed list of steps (apply() reads as that list):
//   fetch → load and validate → compile → hold pinned hosts → plan → hand to the rollout →
//   retire → record.
// The decisions are pure (loadFleet, compileFleet, holdPinned, planPublication, retirement);
// the steps around them do the IO. An invalid commit is never published: the last good
// revision stays in force. Catalogs reach kf-desired only through the Publisher: the rollout
// publishes the changed ones in order, retirements are put here, under the publisher's lock,
// which a whole reconcile holds.
import type { EventType, FleetEvent } from "../../shared/protocol.js";
import { formatConfigError, type ConfigError } from "../../shared/yaml-config.js";
import type { Logger } from "../../shared/log.js";
import { iso, type Clock } from "../../shared/time.js";
import { singleFlight } from "../../shared/single-flight.js";
import { CONTROLLER_KEYS } from "../../shared/names.js";
import type { Catalog, CatalogContent } from "../../shared/protocol.js";
import { holdPinned, pinnedRevisions, type HeldContents, type Pins } from "./pins.js";
import type { GitSource } from "../git/source.js";
import type { ControllerBus } from "../nats/bus.js";
import { controllerEvent } from "./events.js";
import { compileFleet } from "../compile/compile.js";
import { CompileMemo } from "../compile/memo.js";
import type { CompileOptions } from "../compile/farm.js";
import type { FleetConfig } from "../config/fleet-schema.js";
import { planPublication, retirement, type PublicationPlan } from "./publication.js";
import type { FleetState, RevisionInfo } from "./state.js";
import { FleetAtRevision } from "./fleet-at-revision.js";
import type { Publisher, PutCatalog } from "./publisher.js";
import { rolloutSettings, type RolloutSettings } from "../rollout/driver.js";
import { fleetMetrics, type RevisionStage } from "./metrics.js";

export interface ReconcilerDeps {
  git: GitSource;
  bus: ControllerBus;
  state: FleetState;
  fleetPath: string;
  log: Logger;
  clock: Clock;
  /** The one writer of kf-desired; a reconcile holds its lock. */
  publisher: Publisher;
  /** Takes a revision's changed catalogs and publishes them in dependency order. */
  rollouts: { start(revision: string, catalogs: readonly Catalog[], settings: RolloutSettings): void };
  /** Hosts pinned to a revision and the fleet-wide rollback. */
  pins: Pins;
  /** Inputs of the compiler beyond git: the CA certificate, builders registered in Koji. */
  compileOptions(): CompileOptions;
}

/** A revision compiled the way apply() compiles it: what a live plan sends to agents. */
export type CompiledRevision =
  | { ok: true; revision: RevisionInfo; catalogs: CatalogContent[]; fleet: FleetConfig }
  | { ok: false; revision: RevisionInfo; errors: ConfigError[] };

export type ReconcileOutcome =
  | { kind: "unchanged"; head: string }
  | { kind: "rejected"; head: string; errors: ConfigError[] }
  | { kind: "published"; head: string; put: string[]; removed: string[]; unchanged: string[] };

export class Reconciler {
  private processedHead: string | null = null;
  /** The fleet of the revision in force. */
  fleet: FleetConfig | null = null;
  /** Webhooks and poll ticks call this; concurrent calls coalesce. */
  readonly trigger: () => Promise<ReconcileOutcome>;
  private readonly fleetFiles: FleetAtRevision;
  /** The head's compile: a host whose inputs did not change keeps its content (not for other revisions). */
  private readonly memo = new CompileMemo();

  constructor(private readonly d: ReconcilerDeps) {
    this.fleetFiles = new FleetAtRevision(d.git, d.fleetPath);
    this.trigger = singleFlight(() => d.publisher.exclusive((put) => this.reconcile(put)));
  }

  /**
   * Compiles the revision in force again because an input other than git changed (a builder
   * got registered in Koji, so its gate opens); what changes is rolled out as usual.
   */
  recompile(): Promise<void> {
    return this.d.publisher.exclusive(async (put) => {
      const revision = this.d.state.lastGood;
      if (revision) await this.apply(revision, put, { again: true });
    });
  }

  /** Reads and compiles fleet.yaml at any revision the mirror holds (no publication). */
  async compileAt(rev: string): Promise<CompiledRevision> {
    const revision = await this.d.git.commitInfo(rev);
    const loaded = await this.fleetFiles.load(revision);
    if (!loaded.ok) return { ok: false, revision, errors: loaded.errors };
    return { ok: true, revision, catalogs: compileFleet(loaded.fleet, this.d.compileOptions(), undefined, this.interner()), fleet: loaded.fleet };
  }

  /**
   * Shares what a compile gives with the catalogs in force: at 10,000 hosts another revision
   * compiled whole (a pin, a live plan) held 143 MB of heap beside them, 5 MB this way (the
   * compile's CPU the same), then under a heap capped at 256 MB (the controller's unit caps it at 224 now).
   */
  private interner(): (c: CatalogContent) => void {
    return this.d.publisher.codec.interner((host) => this.d.state.desired.get(host));
  }

  /**
   * The catalogs a revision would publish now (hosts whose content differs from kf-desired),
   * sealed and signed like published ones, for a live plan; nothing is published.
   */
  async candidates(rev: string): Promise<{ revision: RevisionInfo; catalogs: Catalog[]; unchanged: string[]; removed: string[]; fleet: FleetConfig } | { revision: RevisionInfo; errors: ConfigError[] }> {
    // A revision the branch does not hold yet (a pull request's) is fetched first.
    const sha = await this.d.git.commitInfo(rev).then((c) => c.sha, () => this.d.git.fetchRevision(rev));
    const compiled = await this.compileAt(sha);
    if (!compiled.ok) return { revision: compiled.revision, errors: compiled.errors };
    const { state, clock, publisher } = this.d;
    const plan = planPublication(compiled.catalogs, compiled.revision.sha, state.desired, state.reportedGenerations(), iso(clock()));
    return { revision: compiled.revision, catalogs: await Promise.all(plan.put.map((c) => publisher.seal(c))), unchanged: plan.unchanged, removed: plan.remove, fleet: compiled.fleet };
  }

  /** Restores the last good revision recorded in kf-controller. */
  async restore(): Promise<void> {
    const { bus, git, state } = this.d;
    const good = await bus.controller.get(CONTROLLER_KEYS.lastGoodRevision);
    if (good?.operation === "PUT") state.lastGood = await git.commitInfo(good.string()).catch(() => null);
  }

  private async reconcile(put: PutCatalog): Promise<ReconcileOutcome> {
    const head = await this.fetch();
    if (head === this.processedHead) return { kind: "unchanged", head };
    const outcome = await this.apply(await this.d.git.commitInfo(head), put);
    this.processedHead = head;
    return outcome;
  }

  /** The steps of one revision, in order. `again`: the revision in force, compiled again (not a new acceptance). */
  private async apply(revision: RevisionInfo, put: PutCatalog, { again = false } = {}): Promise<ReconcileOutcome> {
    // A recompile of the revision in force is no new revision: its stages are not timed.
    const timed = again ? <T>(_: RevisionStage, fn: () => Promise<T>) => fn() : this.timed.bind(this);
    const loaded = await timed("load", () => this.fleetFiles.load(revision));
    if (!loaded.ok) return this.reject(revision, loaded.errors);
    this.fleet = loaded.fleet;
    const { held, plan } = await timed("compile", async () => {
      const held = await this.holdPinned(revision.sha, compileFleet(loaded.fleet, this.d.compileOptions(), this.memo, this.interner()));
      return { held, plan: this.plan(revision.sha, held) };
    });
    this.rollOut(revision.sha, held, plan.put, rolloutSettings(loaded.fleet));
    await this.retire(revision.sha, plan.remove, put);
    return again ? this.reapplied(revision, plan) : this.accept(revision, plan);
  }

  /** Fetch: the branch's head, recorded as the last sync (or its error). */
  private async fetch(): Promise<string> {
    const { git, state, clock } = this.d;
    try {
      const head = (await this.timed("fetch", () => git.sync())).head;
      state.lastSync = { at: iso(clock()), head, error: null };
      return head;
    } catch (err) {
      state.lastSync = { ...state.lastSync, at: iso(clock()), error: (err as Error).message };
      throw err;
    }
  }

  /** Runs one stage of a revision; its duration goes to the metrics once it succeeds. */
  private async timed<T>(stage: RevisionStage, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await fn();
    fleetMetrics(this.d.state).observeStage(stage, (performance.now() - started) / 1000);
    return result;
  }

  /** An invalid revision: recorded (log, event, kf-controller, API) and never published. */
  private async reject(revision: RevisionInfo, errors: ConfigError[]): Promise<ReconcileOutcome> {
    const { bus, state, clock, log } = this.d;
    const lines = errors.map(formatConfigError);
    log.warn({ revision: revision.sha, errors: lines }, "revision rejected, last good revision stays in force");
    this.emit("revision-rejected", "error", `revision ${revision.shortSha} rejected: ${lines[0]}${lines.length > 1 ? ` (+${lines.length - 1} more)` : ""}`, revision.sha, { errors: lines });
    await bus.controller.put(CONTROLLER_KEYS.lastRejectedRevision, revision.sha);
    // Last: once the API shows the rejection, its event and record exist too.
    state.recordRevision({ revision, at: iso(clock()), state: "rejected", errors: lines, changedHosts: [] });
    state.rejected = { revision, errors, at: iso(clock()) };
    return { kind: "rejected", head: revision.sha, errors };
  }

  /** Pinned hosts (and, during a rollback, every host) get their revision's content instead of head's. */
  private async holdPinned(head: string, compiled: CatalogContent[]): Promise<HeldContents> {
    const { pins, log } = this.d;
    const ended = await pins.headAccepted(head);
    if (ended) {
      log.info({ rollback: ended.revision, head }, "a newer commit landed: the fleet-wide rollback ends");
      this.emit("rollback-ended", "info", `rollback to ${ended.revision.slice(0, 12)} (by ${ended.by} since ${ended.since}) ended: commit ${head.slice(0, 12)} was accepted`, ended.revision, { reason: "newer-commit", head, startedBy: ended.by, startedSince: ended.since });
    }
    const revisionFor = (host: string): string | null => pins.revisionFor(host);
    const compiledAt = new Map<string, CatalogContent[] | null>();
    for (const rev of pinnedRevisions(compiled.map((c) => c.host), head, revisionFor)) {
      const at = await this.compileAt(rev);
      compiledAt.set(rev, at.ok ? at.catalogs : null);
    }
    const held = holdPinned(compiled, head, revisionFor, compiledAt);
    for (const { host, revision } of held.followingHead) log.warn({ host, revision }, "pinned revision is invalid or lacks this host: it follows head");
    return held;
  }

  /** Plan (pure): changed hosts get the next generation; a pinned host's names its revision. */
  private plan(head: string, held: HeldContents): PublicationPlan {
    const { state, clock } = this.d;
    const { codec } = this.d.publisher;
    return planPublication(held.contents, head, state.desired, state.reportedGenerations(), iso(clock()), held.revisionOf, (c) => codec.digest(c));
  }

  /** What each host should have at this revision (and who holds it elsewhere), then the changed catalogs to the rollout. */
  private rollOut(head: string, held: HeldContents, changed: Catalog[], settings: RolloutSettings): void {
    const { state, rollouts, pins } = this.d;
    state.intended.clear();
    for (const c of held.contents) state.intended.set(c.host, { digest: this.d.publisher.codec.digest(c), roles: c.roles });
    state.held.clear();
    for (const host of held.revisionOf.keys()) {
      const by = pins.heldBy(host);
      if (by) state.held.set(host, by);
    }
    rollouts.start(head, changed, settings);
  }

  /** Hosts gone from git get their retirement catalog now, outside the rollout. */
  private async retire(head: string, hosts: readonly string[], put: PutCatalog): Promise<void> {
    for (const host of hosts) {
      await put(retirement(host, head, this.d.state.desired, iso(this.d.clock())));
      this.emit("host-removed", "warning", `host ${host} left the fleet; its retirement catalog takes the farm CA out of its trust store`, head);
    }
  }

  /** Record: the revision is in force (API, kf-controller, log, event). */
  private async accept(revision: RevisionInfo, plan: PublicationPlan): Promise<ReconcileOutcome> {
    const { bus, state, clock, log } = this.d;
    const put = plan.put.map((c) => c.host);
    state.recordRevision({ revision, at: iso(clock()), state: "accepted", errors: [], changedHosts: put });
    state.lastGood = revision;
    state.rejected = null;
    await bus.controller.put(CONTROLLER_KEYS.lastGoodRevision, revision.sha);
    log.info({ revision: revision.sha, published: put, unchanged: plan.unchanged.length }, "revision accepted");
    this.emit("revision-accepted", "info", `revision ${revision.shortSha} accepted: ${put.length} host(s) get a new catalog (rolled out in dependency order), ${plan.unchanged.length} unchanged`, revision.sha, { published: put, removed: plan.remove });
    return { kind: "published", head: revision.sha, put, removed: plan.remove, unchanged: plan.unchanged };
  }

  /**
   * The revision in force compiled again (a pin, a rollback, a Koji gate, a new CRL): no new
   * revision was accepted, so no record and no revision-accepted event; the cause has its own.
   */
  private reapplied(revision: RevisionInfo, plan: PublicationPlan): ReconcileOutcome {
    const put = plan.put.map((c) => c.host);
    this.d.log.info({ revision: revision.sha, published: put, unchanged: plan.unchanged.length }, "revision in force compiled again");
    return { kind: "published", head: revision.sha, put, removed: plan.remove, unchanged: plan.unchanged };
  }

  private emit(type: EventType, severity: FleetEvent["severity"], message: string, revision: string, data?: Record<string, unknown>): void {
    const event = controllerEvent(this.d.clock, type, severity, message, { revision, ...(data && { data }) });
    this.d.state.addEvent(event);
    this.d.bus.publishFleetEvent(event);
  }
}
