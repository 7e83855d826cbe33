// The agent daemon: initialized → running → stopping → stopped | failed.
// One loop converges the newest accepted catalog (or re-converges the last one on a timer);
// NATS only feeds it catalogs and carries its reports, so it keeps working while NATS is down.
import { randomUUID } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { PathWatch, managedPaths, writtenPaths } from "./daemon/path-watch.js";
import { nextConvergeDelayMs, transitionEvent, unsafePathEvents } from "./daemon/transitions.js";
import type { NatsConnection } from "@nats-io/transport-node";
import { connectNats } from "../shared/nats.js";
import { agentInboxPrefix } from "../shared/names.js";
import type { Catalog, Condition, EventType, FleetEvent, HostStatus, ProbeResult, ResourceResult } from "../shared/protocol.js";
import { decodeCatalog } from "../shared/validate.js";
import { Verifier } from "../shared/signing.js";
import { silentLogger, type Logger } from "../shared/log.js";
import { iso, systemClock, type Clock } from "../shared/time.js";
import type { AgentConfig } from "./config.js";
import { AgentBus, type DesiredEntry } from "./bus.js";
import { StateStore, type LocalState } from "./daemon/state.js";
import { buildStatus, summaryLine } from "./status.js";
import { converge, type ConvergeOptions, type ConvergeReport } from "./engine/converge.js";
import { runProbes } from "./probes/index.js";
import { ProbeEpoch } from "./daemon/probe-epoch.js";
import { defaultKinds, type KindRegistry } from "./kinds/index.js";
import { createFiles, type Files } from "./providers/files.js";
import { createExecutor, type Executor } from "./providers/executor.js";
import { Wakeup } from "./wakeup.js";
import { directorySecrets, firstOf, sealedSecrets, type SecretSource } from "./secrets.js";
import { noIssuer } from "./certificates.js";
import { PemCache } from "./pem-cache.js";
import { enrollIfNeeded, identityFiles } from "./enroll.js";
import { readFacts, UNKNOWN_FACTS, type HostFacts } from "./facts.js";
import { FleetError } from "../shared/errors.js";

const LOOP_TICK_MS = 5_000;
/** A converge still running after this is reported as converging. */
const CONVERGING_REPORT_MS = 250;

export type AgentState = "initialized" | "running" | "stopping" | "stopped" | "failed";

export interface AgentDeps {
  log: Logger;
  files: Files;
  exec: Executor;
  kinds: KindRegistry;
  clock: Clock;
  secrets: SecretSource;
}

export class Agent {
  state: AgentState = "initialized";
  private readonly deps: AgentDeps;
  private readonly store: StateStore;
  private local: LocalState;
  private nc: NatsConnection | null = null;
  private bus: AgentBus | null = null;
  private pending: Catalog | null = null;
  private readonly wake = new Wakeup();
  private readonly pem = new PemCache();
  private readonly startedAt: string;
  private resources: ResourceResult[] = [];
  private probes: ProbeResult[] = [];
  private readonly probeEpoch = new ProbeEpoch();
  private conditions: Condition[] = [];
  private lastConverge: HostStatus["lastConverge"] = null;
  private rejected: string | null = null;
  private hostFacts: HostFacts = UNKNOWN_FACTS;
  private verifier: Verifier | null = null;
  private failedInARow = 0;
  private hostKey: string | null = null;
  private statusDirty = false;
  private timers: NodeJS.Timeout[] = [];
  private reporting: Promise<void> = Promise.resolve();
  private lastLoopAt = Date.now();
  private readonly pathWatch = new PathWatch((path) => {
    if (this.state !== "running") return;
    this.log.info({ path }, "a managed path changed: re-converging");
    this.requestConverge();
  });
  private markReady!: () => void;
  /** Resolves once local state is loaded and NATS is connected (sd_notify READY=1). */
  readonly ready: Promise<void> = new Promise((resolve) => (this.markReady = resolve));

  constructor(
    readonly config: AgentConfig,
    deps: Partial<AgentDeps> = {},
  ) {
    this.deps = {
      log: deps.log ?? silentLogger(),
      files: deps.files ?? createFiles(),
      exec: deps.exec ?? createExecutor(),
      kinds: deps.kinds ?? defaultKinds,
      clock: deps.clock ?? systemClock,
      secrets: deps.secrets ?? directorySecrets(config.secretsDir),
    };
    this.store = new StateStore(config.stateDir, this.deps.files);
    this.local = this.store.load();
    this.startedAt = iso(this.deps.clock());
  }

  get log(): Logger {
    return this.deps.log;
  }

  /** Runs until stop(); converges the remembered catalog first, then whatever NATS brings. */
  async run(): Promise<void> {
    this.state = "running";
    try {
      await mkdir(this.config.root, { recursive: true });
      this.hostFacts = await readFacts(this.deps.files, this.config.root);
      await enrollIfNeeded(this.config, this.log, () => this.state === "running");
      // Read once: enrollment (just done, or on an earlier start) is the only writer.
      this.hostKey = await readFile(identityFiles(this.config.identityDir).key, "utf8").catch(() => null);
      await this.loadVerifier();
      this.pending = this.local.catalog;
      this.timers.push(setInterval(() => this.report(), this.config.heartbeatSeconds * 1000));
      this.timers.push(setInterval(() => void this.probe(), this.config.probeSeconds * 1000));
      void this.connect();
      while (this.state === "running") {
        const catalog = this.pending ?? this.local.catalog;
        this.pending = null;
        if (catalog) await this.convergeCatalog(catalog);
        if (this.state !== "running") break;
        await this.idle();
      }
    } catch (err) {
      this.state = "failed";
      this.log.error({ err }, "agent failed");
      throw err;
    } finally {
      await this.shutdown();
    }
  }

  /**
   * Sleeps until a catalog, a command or stop() wakes the loop, or the re-converge interval
   * (sooner after failures) ends; ticks every 5 s so healthy() can tell a live loop from a hung
   * one (the watchdog).
   */
  private async idle(): Promise<void> {
    const { retrySeconds, reconvergeSeconds } = this.config;
    const until = Date.now() + nextConvergeDelayMs(this.failedInARow, retrySeconds, reconvergeSeconds, Math.random());
    while (this.state === "running" && !this.pending) {
      this.lastLoopAt = Date.now();
      if (await this.wake.wait(Math.min(LOOP_TICK_MS, until - Date.now()))) return;
      if (Date.now() >= until) return;
    }
  }

  /** True while the loop is alive and NATS is connected: what the systemd watchdog pings for. */
  healthy(): boolean {
    const loopAlive = this.probeEpoch.converging || Date.now() - this.lastLoopAt < 3 * LOOP_TICK_MS;
    return this.state === "running" && loopAlive && this.nc !== null && !this.nc.isClosed();
  }

  /** One line for `systemctl status`: "converged rev abc123, 0 failing probes". */
  summary(): string {
    return summaryLine(this.facts(), (this.pending ?? this.local.catalog)?.revision ?? null);
  }

  /** Graceful: the resource being applied finishes, the status is reported, NATS drains. */
  stop(): void {
    if (this.state !== "running") return;
    this.state = "stopping";
    this.wake.fire();
  }

  /** Converge the current catalog now (the `kf.cmd.<host>.converge` command, tests). */
  requestConverge(): void {
    this.wake.fire();
  }

  currentStatus(): HostStatus {
    return buildStatus(this.facts(), this.conditions);
  }

  private async connect(): Promise<void> {
    try {
      this.nc = await connectNats(this.config.nats, `koji-fleet-agent-${this.config.host}`, agentInboxPrefix(this.config.host));
      if (this.state !== "running") return;
      this.bus = await AgentBus.open(this.nc, this.config.host, this.log);
      this.markReady();
      this.bus.onCommand("converge", async () => {
        this.requestConverge();
        return { accepted: true };
      });
      this.bus.onCommand("plan", (data) => this.planCatalog(data));
      void this.bus.watchDesired((e) => this.onDesired(e), { checkMs: this.config.heartbeatSeconds * 1000 });
      this.statusDirty = true;
      this.report();
    } catch (err) {
      if (this.state === "running") this.log.error({ err }, "cannot connect to NATS");
    }
  }

  /** The pinned public key; without one every catalog is refused (enrollment writes it). */
  private async loadVerifier(): Promise<void> {
    const pem = await readFile(this.config.catalogKeyFile, "utf8").catch(() => null);
    this.verifier = pem ? new Verifier(pem) : null;
    if (!pem) this.log.warn({ file: this.config.catalogKeyFile }, "no catalog-signing key pinned: every catalog will be refused");
  }

  /** Order matters: nothing in a catalog is trusted before its signature verifies. */
  private onDesired(e: DesiredEntry): void {
    if (e.deleted) {
      this.log.warn("this host was removed from the fleet; keeping its files as they are");
      return;
    }
    let catalog: Catalog;
    try {
      catalog = decodeCatalog(e.data);
    } catch (err) {
      return this.reject("catalog-rejected", (err as Error).message);
    }
    const unsigned = this.verifier ? this.verifier.check(catalog) : `no catalog-signing key is pinned (expected in ${this.config.catalogKeyFile}); enroll this host`;
    if (unsigned) return this.reject("security", unsigned, catalog);
    const current = this.pending ?? this.local.catalog;
    const known = current?.generation ?? 0;
    if (catalog.host !== this.config.host) return this.reject("security", `catalog for host ${catalog.host} refused by ${this.config.host}`, catalog);
    if (catalog.generation === known && catalog.digest === current?.digest) {
      // The catalog in force is back (after a refused one): nothing to apply, the alarm ends.
      if (this.rejected) this.clearRejection();
      return;
    }
    if (catalog.generation <= known) return this.reject("security", `catalog generation ${catalog.generation} is not newer than ${known} (a replay?)`, catalog);
    this.rejected = null;
    this.pending = catalog;
    this.wake.fire();
  }

  /**
   * `kf.cmd.<host>.plan`: a noop converge of a candidate catalog against the live state.
   * Verified like a desired catalog (signature, host) except for the generation: a plan
   * applies nothing, so any generation will do.
   */
  private async planCatalog(data: Uint8Array): Promise<{ ok: true; revision: string; results: ResourceResult[] }> {
    const catalog = decodeCatalog(data);
    const unsigned = this.verifier ? this.verifier.check(catalog) : "no catalog-signing key is pinned; enroll this host";
    if (unsigned) throw new Error(`candidate catalog refused: ${unsigned}`);
    if (catalog.host !== this.config.host) throw new Error(`candidate catalog for host ${catalog.host} refused by ${this.config.host}`);
    // A plan never asks for certificates: an unissued one shows as a change.
    const report = await converge(catalog.resources, { ...this.convergeOptions(catalog), noop: true, certificates: noIssuer, log: this.log.child({ plan: catalog.revision }) });
    return { ok: true, revision: catalog.revision, results: report.results };
  }

  /** Watches every managed path; a change to one re-converges, unless this converge made it (`written`). */
  private watchManaged(catalog: Catalog, written: ReadonlySet<string>): void {
    if (this.config.watch && this.state === "running") this.pathWatch.arm(managedPaths(this.config.root, this.local.inventory, catalog.resources, this.deps.kinds), written);
  }

  private clearRejection(): void {
    this.rejected = null;
    this.statusDirty = true;
    this.report();
  }

  private reject(type: "catalog-rejected" | "security", reason: string, catalog?: Catalog): void {
    this.log.warn({ reason }, "catalog rejected");
    this.rejected = reason;
    this.emit(type, "error", reason, catalog?.revision);
    this.statusDirty = true;
    this.report();
  }

  /** How this agent converges a catalog: its root, facts, state, secrets and CA. */
  private convergeOptions(catalog: Catalog): ConvergeOptions {
    const { files, exec, kinds, log } = this.deps;
    return {
      kinds, files, exec, log,
      root: this.config.root,
      sandbox: this.config.sandbox,
      noop: this.config.noop,
      previousInventory: this.local.inventory,
      pendingRefresh: this.local.pendingRefresh,
      facts: this.hostFacts,
      clock: this.deps.clock,
      pem: this.pem,
      secrets: this.secretsOf(catalog, this.hostKey),
      certificates: { request: (name, csr) => (this.bus ? this.bus.requestCertificate(name, csr) : noIssuer.request(name, csr)) },
      shouldContinue: () => this.state === "running",
    };
  }

  /** The catalog's sealed secrets first, then the host's secret directory. */
  private secretsOf(catalog: Catalog, identityKey: string | null): SecretSource {
    return firstOf(sealedSecrets(catalog.sealedSecrets ?? {}, identityKey), this.deps.secrets);
  }

  private async convergeCatalog(catalog: Catalog): Promise<void> {
    const isNew = catalog.generation !== this.local.observed?.generation;
    this.probeEpoch.convergeStarted();
    // A converge that ends quickly is reported once, with its result (half the status puts of a
    // farm-wide change: bench/README.md); a slow one shows as converging meanwhile.
    const slow = setTimeout(() => {
      this.statusDirty = true;
      this.report();
    }, CONVERGING_REPORT_MS);
    const started = this.deps.clock();
    if (this.config.watch) this.pathWatch.hold();
    const before = this.local.inventory;
    const report = await converge(catalog.resources, this.convergeOptions(catalog)).finally(() => clearTimeout(slow));
    const ref = { revision: catalog.revision, generation: catalog.generation, digest: catalog.digest };
    // Skipped resources (a failed dependency, or a stop mid-converge) mean the catalog is not
    // applied; neither does a noop run, which changed nothing.
    const complete = !report.noop && report.results.every((r) => r.outcome !== "failed" && r.outcome !== "skipped");
    this.local = {
      catalog,
      observed: ref,
      applied: complete ? ref : this.local.applied,
      inventory: report.noop ? this.local.inventory : report.inventory,
      pendingRefresh: report.pendingRefresh,
    };
    await this.store.save(this.local);
    this.resources = report.results;
    this.lastConverge = { startedAt: iso(started), durationMs: report.durationMs, changed: report.changed, failed: report.failed, noop: report.noop };
    this.probeEpoch.convergeEnded();
    this.noteTransition(report, isNew, catalog.revision);
    this.watchManaged(catalog, writtenPaths(this.config.root, report.results, [report.inventory, before]));
    await this.probe({ report: false }); // the report below carries the probes too
    this.statusDirty = true;
    this.report();
  }

  private noteTransition(r: ConvergeReport, isNew: boolean, revision: string): void {
    const e = transitionEvent(r, isNew, this.failedInARow > 0, revision);
    if (e) this.emit(e.type, e.severity, e.message, revision, e.data);
    if (e?.type === "failed") for (const s of unsafePathEvents(r)) this.emit(s.type, s.severity, s.message, revision, s.data);
    this.failedInARow = r.failed > 0 ? this.failedInARow + 1 : 0;
  }

  private async probe(opts = { report: true }): Promise<void> {
    const catalog = this.local.catalog;
    const token = this.probeEpoch.begin();
    if (!catalog || this.state !== "running" || token === null) return;
    const before = JSON.stringify(this.probes.map((p) => [p.id, p.healthy]));
    const results = await runProbes(catalog.probes, {
      root: this.config.root, files: this.deps.files, exec: this.deps.exec, previous: this.probes, now: this.deps.clock,
      secrets: this.secretsOf(catalog, this.hostKey),
      sandbox: this.config.sandbox,
    });
    if (!this.probeEpoch.fresh(token)) return;
    this.probes = results;
    if (JSON.stringify(this.probes.map((p) => [p.id, p.healthy])) !== before) {
      this.statusDirty = true;
      if (opts.report) this.report();
    }
  }

  private facts() {
    return {
      host: this.config.host,
      startedAt: this.startedAt,
      now: iso(this.deps.clock()),
      heartbeatSeconds: this.config.heartbeatSeconds,
      observed: this.local.observed,
      applied: this.local.applied,
      lastConverge: this.lastConverge,
      resources: this.resources,
      probes: this.probes,
      rejected: this.rejected,
      converging: this.probeEpoch.converging,
    };
  }

  /** Writes the status to KV; serialized, and retried every second after a failure. */
  private report(): void {
    this.reporting = this.reporting.then(async () => {
      const status = this.currentStatus();
      this.conditions = status.conditions;
      if (!this.bus) return;
      try {
        await this.bus.putStatus(status);
        this.statusDirty = false;
      } catch (err) {
        this.statusDirty = true;
        // Too big for kf-status is no passing fault: say so where the operator looks.
        if (err instanceof FleetError) this.log.error({ err }, "status not reported, will retry");
        else this.log.debug({ err }, "status not reported yet, will retry");
        if (this.state === "running") setTimeout(() => this.statusDirty && this.report(), 1_000).unref();
      }
    });
  }

  private emit(type: EventType, severity: FleetEvent["severity"], message: string, revision?: string, data?: Record<string, unknown>): void {
    const event: FleetEvent = {
      protocol: "kf.v1.event", id: randomUUID(), at: iso(this.deps.clock()), source: "agent",
      host: this.config.host, type, severity, message, ...(revision ? { revision } : {}), ...(data ? { data } : {}),
    };
    this.log.info({ event: type, revision }, message);
    this.bus?.publishEvent(event);
  }

  private async shutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.pathWatch.close();
    this.report();
    await this.reporting;
    await this.bus?.flushEvents(2_000);
    this.bus?.stop();
    if (this.nc && !this.nc.isClosed()) await this.nc.drain().catch(() => this.nc?.close());
    if (this.state !== "failed") this.state = "stopped";
  }
}
