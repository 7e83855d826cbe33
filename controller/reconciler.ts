// One reconcile = fetch → validate → compile → publish, as a fixed list of small steps.
// An invalid commit is never published: the last good revision stays in force.
import type { EventType, FleetEvent } from "../shared/protocol.js";
import { formatConfigError, type ConfigError } from "../shared/yaml-config.js";
import type { Logger } from "../shared/log.js";
import { iso, type Clock } from "../shared/time.js";
import { singleFlight } from "../shared/single-flight.js";
import { CONTROLLER_KEYS } from "../shared/names.js";
import type { Signer } from "../shared/signing.js";
import { seal, secretRefs } from "../shared/sealed.js";
import type { Catalog } from "../shared/protocol.js";
import type { SecretVault } from "./secrets-vault.js";
import type { HostKeys } from "./host-keys.js";
import type { GitSource } from "./git/source.js";
import type { ControllerBus } from "./bus.js";
import { controllerEvent } from "./events.js";
import { loadFleet } from "./config/load-fleet.js";
import { compileFleet } from "./compile/compile.js";
import type { CompileOptions } from "./compile/farm.js";
import type { FleetConfig } from "./config/fleet-schema.js";
import { contentDigest, planPublication } from "./publication.js";
import type { FleetState, RevisionInfo } from "./fleet-state.js";

export interface ReconcilerDeps {
  git: GitSource;
  bus: ControllerBus;
  state: FleetState;
  fleetPath: string;
  log: Logger;
  clock: Clock;
  signer: Signer;
  vault: SecretVault;
  hostKeys: HostKeys;
  /** Inputs of the compiler beyond git: the CA certificate, builders registered in Koji. */
  compileOptions(): CompileOptions;
  /** Hands a revision's changed catalogs to the rollout, which publishes them in order. */
  startRollout(revision: string, catalogs: readonly Catalog[]): void;
}

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

  /** Every write to kf-desired happens under this lock, in order. */
  private lock: Promise<unknown> = Promise.resolve();

  constructor(private readonly d: ReconcilerDeps) {
    this.trigger = singleFlight(() => this.locked(() => this.reconcile()));
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /**
   * Publishes a host's current content again as a new generation, e.g. after it enrolled:
   * its secrets can only be sealed once its key is known.
   */
  republish(host: string): Promise<void> {
    return this.locked(async () => {
      const current = this.d.state.desired.get(host);
      if (!current) return;
      const { signature: _s, sealedSecrets: _x, ...content } = current;
      await this.publish({ ...content, generation: current.generation + 1, issuedAt: iso(this.d.clock()) });
    });
  }

  /**
   * Compiles the revision in force again because an input other than git changed (a builder
   * got registered in Koji, so its gate opens); what changes is rolled out as usual.
   */
  recompile(): Promise<void> {
    return this.locked(async () => {
      const sha = this.d.state.lastGood?.sha;
      if (sha) await this.apply(await this.d.git.commitInfo(sha));
    });
  }

  /** Publishes one catalog of a rollout, in order with reconciles. */
  publishLocked(unsigned: Catalog): Promise<void> {
    return this.locked(() => this.publish(unsigned));
  }

  /** Seals the secrets the catalog references to the host's key, signs, and puts it. */
  private async publish(unsigned: Catalog): Promise<void> {
    const { state, bus, signer, vault, hostKeys, log } = this.d;
    const names = secretRefs(unsigned.resources);
    const key = names.length > 0 ? await hostKeys.publicKey(unsigned.host) : null;
    if (names.length > 0 && !key) log.warn({ host: unsigned.host, secrets: names }, "host not enrolled yet: its secrets are sent once it enrolls");
    const sealedSecrets = key ? Object.fromEntries(await Promise.all(names.map(async (n) => [n, seal(await vault.ensure(n), key)] as const))) : undefined;
    const catalog = signer.sign({ ...unsigned, ...(sealedSecrets && { sealedSecrets }) });
    await bus.putCatalog(catalog);
    state.desired.set(catalog.host, catalog);
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
    this.fleet = loaded.fleet;
    const compiled = compileFleet(loaded.fleet, this.d.compileOptions());
    const plan = planPublication(compiled, revision.sha, state.desired, state.reportedGenerations(), iso(clock()));
    state.intended.clear();
    for (const c of compiled) state.intended.set(c.host, contentDigest(c));
    this.d.startRollout(revision.sha, plan.put);
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
    this.emit("revision-accepted", "info", `revision ${revision.shortSha} accepted: ${put.length} host(s) get a new catalog (rolled out in dependency order), ${plan.unchanged.length} unchanged`, revision.sha, { published: put, removed: plan.remove });
    return { kind: "published", head: revision.sha, put, removed: plan.remove, unchanged: plan.unchanged };
  }

  private emit(type: EventType, severity: FleetEvent["severity"], message: string, revision: string, data?: Record<string, unknown>): void {
    const event = controllerEvent(this.d.clock, type, severity, message, { revision, ...(data && { data }) });
    this.d.state.addEvent(event);
    this.d.bus.publishFleetEvent(event);
  }
}
