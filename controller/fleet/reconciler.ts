// One reconcile = fetch → validate → compile → publish, as a fixed list of small steps.
// An invalid commit is never published: the last good revision stays in force.
import type { EventType, FleetEvent } from "../../shared/protocol.js";
import { formatConfigError, type ConfigError } from "../../shared/yaml-config.js";
import type { Logger } from "../../shared/log.js";
import { iso, type Clock } from "../../shared/time.js";
import { singleFlight } from "../../shared/single-flight.js";
import { CONTROLLER_KEYS } from "../../shared/names.js";
import type { Signer } from "../../shared/signing.js";
import { seal, secretRefs } from "../../shared/sealed.js";
import type { Catalog, CatalogContent } from "../../shared/protocol.js";
import type { Pins } from "./pins.js";
import type { SecretVault } from "../trust/secrets-vault.js";
import type { HostKeys } from "../trust/host-keys.js";
import type { GitSource } from "../git/source.js";
import type { ControllerBus } from "../nats/bus.js";
import { controllerEvent } from "./events.js";
import { loadFleetFrom, type LoadFleetResult } from "../config/load-fleet.js";
import { compileFleet } from "../compile/compile.js";
import type { CompileOptions } from "../compile/farm.js";
import type { FleetConfig } from "../config/fleet-schema.js";
import { contentDigest, planPublication } from "./publication.js";
import { retirementCatalog } from "../compile/retire.js";
import type { FleetState, RevisionInfo } from "./state.js";

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
  /** Hosts pinned to a revision and the fleet-wide rollback; none when absent. */
  pins?: Pins;
}

/** A revision compiled the way apply() compiles it: what a live plan sends to agents. */
export type CompiledRevision =
  | { ok: true; revision: RevisionInfo; catalogs: CatalogContent[] }
  | { ok: false; revision: RevisionInfo; errors: ConfigError[] };

export type ReconcileOutcome =
  | { kind: "unchanged"; head: string }
  | { kind: "rejected"; head: string; errors: ConfigError[] }
  | { kind: "published"; head: string; put: string[]; removed: string[]; unchanged: string[] };

const PUBLISH_CONCURRENCY = 32;

export interface PublishResult {
  published: string[];
  /** The first failure, if any. */
  error: unknown;
}

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

  /**
   * Publishes the catalogs a rollout step allows, in order with reconciles (one lock for the
   * step). Each put waits for JetStream's ack, so PUBLISH_CONCURRENCY are in flight: one at a
   * time, a 1,000-host step took 2.5 s (bench/README.md, controller-1000). A failed put leaves
   * its host out of `published`; the others go on.
   */
  publishLocked(unsigned: readonly Catalog[]): Promise<PublishResult> {
    return this.locked(async () => {
      const result: PublishResult = { published: [], error: null };
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let c = unsigned[next++]; c; c = unsigned[next++]) {
          try {
            await this.publish(c);
            result.published.push(c.host);
          } catch (err) {
            result.error ??= err;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(PUBLISH_CONCURRENCY, unsigned.length) }, worker));
      return result;
    });
  }

  /** Seals the secrets the catalog references to the host's key, signs, and puts it. */
  private async publish(unsigned: Catalog): Promise<void> {
    const catalog = await this.seal(unsigned);
    await this.d.bus.putCatalog(catalog);
    this.d.state.desired.set(catalog.host, catalog);
  }

  /** Seals the secrets the catalog references to the host's key and signs it. */
  async seal(unsigned: Catalog): Promise<Catalog> {
    const { signer, vault, hostKeys, log } = this.d;
    const names = secretRefs([...unsigned.resources, ...unsigned.probes]);
    const key = names.length > 0 ? await hostKeys.publicKey(unsigned.host) : null;
    if (names.length > 0 && !key) log.warn({ host: unsigned.host, secrets: names }, "host not enrolled yet: its secrets are sent once it enrolls");
    const sealedSecrets = key ? Object.fromEntries(await Promise.all(names.map(async (n) => [n, seal(await vault.ensure(n), key)] as const))) : undefined;
    return signer.sign({ ...unsigned, ...(sealedSecrets && { sealedSecrets }) });
  }

  /** fleet.yaml at a revision, with the files its koji.content.include names at that revision. */
  private async loadAt(revision: RevisionInfo): Promise<LoadFleetResult> {
    const { git, fleetPath } = this.d;
    return loadFleetFrom(git.filesAt(revision.sha), fleetPath, `file not found at revision ${revision.shortSha}`);
  }

  /** Reads and compiles fleet.yaml at any revision the mirror holds (no publication). */
  async compileAt(rev: string): Promise<CompiledRevision> {
    const { git } = this.d;
    const revision = await git.commitInfo(rev);
    const loaded = await this.loadAt(revision);
    if (!loaded.ok) return { ok: false, revision, errors: loaded.errors };
    return { ok: true, revision, catalogs: compileFleet(loaded.fleet, this.d.compileOptions()) };
  }

  /**
   * The catalogs a revision would publish now (hosts whose content differs from kf-desired),
   * sealed and signed like published ones, for a live plan; nothing is published.
   */
  async candidates(rev: string): Promise<{ revision: RevisionInfo; catalogs: Catalog[]; unchanged: string[]; removed: string[] } | { revision: RevisionInfo; errors: ConfigError[] }> {
    // A revision the branch does not hold yet (a pull request's) is fetched first.
    const sha = await this.d.git.commitInfo(rev).then((c) => c.sha, () => this.d.git.fetchRevision(rev));
    const compiled = await this.compileAt(sha);
    if (!compiled.ok) return { revision: compiled.revision, errors: compiled.errors };
    const { state, clock } = this.d;
    const plan = planPublication(compiled.catalogs, compiled.revision.sha, state.desired, state.reportedGenerations(), iso(clock()));
    return { revision: compiled.revision, catalogs: await Promise.all(plan.put.map((c) => this.seal(c))), unchanged: plan.unchanged, removed: plan.remove };
  }

  /** Pinned hosts (and, during a rollback, every host) get their revision's content instead of head's. */
  private async applyPins(head: string, compiled: CatalogContent[]): Promise<{ contents: CatalogContent[]; revisionOf: Map<string, string> }> {
    const pins = this.d.pins;
    const revisionOf = new Map<string, string>();
    if (!pins) return { contents: compiled, revisionOf };
    const ended = await pins.headAccepted(head);
    if (ended) this.d.log.info({ rollback: ended.revision, head }, "a newer commit landed: the fleet-wide rollback ends");
    if (!pins.active) return { contents: compiled, revisionOf };
    const byRevision = new Map<string, CompiledRevision>();
    const contents: CatalogContent[] = [];
    for (const c of compiled) {
      const rev = pins.revisionFor(c.host);
      if (!rev || rev === head) {
        contents.push(c);
        continue;
      }
      let at = byRevision.get(rev);
      if (!at) byRevision.set(rev, (at = await this.compileAt(rev)));
      const pinned = at.ok ? at.catalogs.find((x) => x.host === c.host) : undefined;
      if (!pinned) {
        this.d.log.warn({ host: c.host, revision: rev }, "pinned revision is invalid or lacks this host: it follows head");
        contents.push(c);
        continue;
      }
      contents.push(pinned);
      revisionOf.set(c.host, rev);
    }
    return { contents, revisionOf };
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
    const { bus, state, clock, log } = this.d;
    const loaded = await this.loadAt(revision);
    if (!loaded.ok) {
      const lines = loaded.errors.map(formatConfigError);
      log.warn({ revision: revision.sha, errors: lines }, "revision rejected, last good revision stays in force");
      this.emit("revision-rejected", "error", `revision ${revision.shortSha} rejected: ${lines[0]}${lines.length > 1 ? ` (+${lines.length - 1} more)` : ""}`, revision.sha, { errors: lines });
      await bus.controller.put(CONTROLLER_KEYS.lastRejectedRevision, revision.sha);
      // Last: once the API shows the rejection, its event and record exist too.
      state.recordRevision({ revision, at: iso(clock()), state: "rejected", errors: lines, changedHosts: [] });
      state.rejected = { revision, errors: loaded.errors, at: iso(clock()) };
      return { kind: "rejected", head: revision.sha, errors: loaded.errors };
    }
    this.fleet = loaded.fleet;
    const { contents: compiled, revisionOf } = await this.applyPins(revision.sha, compileFleet(loaded.fleet, this.d.compileOptions()));
    const plan = planPublication(compiled, revision.sha, state.desired, state.reportedGenerations(), iso(clock()));
    // A pinned host's new catalog names its pinned revision, with a new (higher) generation.
    plan.put = plan.put.map((c) => ({ ...c, revision: revisionOf.get(c.host) ?? c.revision }));
    state.intended.clear();
    for (const c of compiled) state.intended.set(c.host, contentDigest(c));
    this.d.startRollout(revision.sha, plan.put);
    for (const host of plan.remove) {
      const content = retirementCatalog(host);
      const generation = (state.desired.get(host)?.generation ?? 0) + 1;
      await this.publish({ protocol: "kf.v1.catalog", revision: revision.sha, generation, issuedAt: iso(clock()), digest: contentDigest(content), ...content });
      this.emit("host-removed", "warning", `host ${host} left the fleet; its retirement catalog takes the farm CA out of its trust store`, revision.sha);
    }
    state.recordRevision({ revision, at: iso(clock()), state: "accepted", errors: [], changedHosts: plan.put.map((c) => c.host) });
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
