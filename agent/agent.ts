// The agent daemon: initialized → running → stopping → stopped | failed. Its parts are built
// here, once, and wired: the catalog gate decides which catalogs are taken, the converge loop
// converges the catalog in force (again on a timer), the status reporter publishes what
// came of it, and the NATS link only feeds the gate and carries the reports, so the agent keeps
// working while NATS is down (agent/daemon/).
import { silentLogger, type Logger } from "../shared/log.js";
import type { HostStatus } from "../shared/protocol.js";
import { every, iso, systemClock, systemTimers, type Clock, type Timers } from "../shared/time.js";
import type { AgentConfig } from "./config.js";
import type { DesiredEntry } from "./bus.js";
import { summaryLine, type AgentFacts } from "./status.js";
import { defaultKinds, type KindRegistry } from "./kinds/index.js";
import { createFiles, type Files } from "./providers/files.js";
import { createExecutor, type Executor } from "./providers/executor.js";
import { directorySecrets, type SecretSource } from "./secrets.js";
import { CatalogGate } from "./daemon/catalog-gate.js";
import { ConvergeLoop } from "./daemon/converge-loop.js";
import { HostConverger } from "./daemon/host-converger.js";
import { prepareHost, type HostIdentity } from "./daemon/host-identity.js";
import { AgentLink } from "./daemon/nats-link.js";
import { PathWatch } from "./daemon/path-watch.js";
import { ProbeEpoch } from "./daemon/probe-epoch.js";
import { Prober } from "./daemon/prober.js";
import { StartupWindow } from "./daemon/startup-window.js";
import { StateStore } from "./daemon/state.js";
import { StatusReporter } from "./daemon/status-reporter.js";

export type AgentState = "initialized" | "running" | "stopping" | "stopped" | "failed";

export interface AgentDeps {
  log: Logger;
  files: Files;
  exec: Executor;
  kinds: KindRegistry;
  clock: Clock;
  /** What the loop and the reports wait on; with `clock`, a test's fake time. */
  timers: Timers;
  /** 0…1: the jitter of the retry delay. */
  random: () => number;
  secrets: SecretSource;
}

export class Agent {
  state: AgentState = "initialized";
  /** Resolves once local state is loaded and NATS is connected (sd_notify READY=1). */
  readonly ready: Promise<void>;
  private readonly deps: AgentDeps;
  private readonly startedAt: string;
  private readonly epoch = new ProbeEpoch();
  private readonly gate: CatalogGate;
  private readonly loop: ConvergeLoop;
  private readonly link: AgentLink;
  private readonly reporter: StatusReporter;
  private readonly prober: Prober;
  private startup: StartupWindow | null = null;
  private readonly pathWatch: PathWatch;
  private readonly converger: HostConverger;
  private markReady = (): void => {};

  constructor(
    readonly config: AgentConfig,
    deps: Partial<AgentDeps> = {},
  ) {
    const d: AgentDeps = (this.deps = {
      log: deps.log ?? silentLogger(),
      files: deps.files ?? createFiles(),
      exec: deps.exec ?? createExecutor(),
      kinds: deps.kinds ?? defaultKinds,
      clock: deps.clock ?? systemClock,
      timers: deps.timers ?? systemTimers,
      random: deps.random ?? Math.random,
      secrets: deps.secrets ?? directorySecrets(config.secretsDir),
    });
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.startedAt = iso(d.clock());
    this.link = new AgentLink(config, d.log, d.clock);
    this.reporter = new StatusReporter({ facts: () => this.facts(), publish: (s) => this.link.putStatus(s), timers: d.timers, log: d.log });
    this.loop = new ConvergeLoop({ retrySeconds: config.retrySeconds, reconvergeSeconds: config.reconvergeSeconds, clock: d.clock, timers: d.timers, random: d.random });
    this.prober = new Prober({ root: config.root, sandbox: config.sandbox, files: d.files, exec: d.exec, clock: d.clock, epoch: this.epoch });
    this.pathWatch = new PathWatch((path) => {
      if (this.state !== "running") return;
      d.log.info({ path }, "a managed path changed: re-converging");
      this.loop.request();
    });
    this.converger = new HostConverger({
      ...d, config, store: new StateStore(config.stateDir, d.files), epoch: this.epoch, pathWatch: this.pathWatch,
      issuer: this.link.issuer, emit: this.link.emit, report: () => this.reporter.changed(), running: () => this.state === "running",
    });
    this.gate = new CatalogGate(config.host, config.catalogKeyFile, () => this.converger.catalog);
  }

  get log(): Logger {
    return this.deps.log;
  }

  /** Runs until stop(); converges the remembered catalog first, then whatever NATS brings. */
  async run(): Promise<void> {
    this.state = "running";
    const stopTimers: (() => void)[] = [];
    try {
      const host = await prepareHost(this.config, this.deps.files, this.log, () => this.state === "running");
      const { timers } = this.deps;
      stopTimers.push(every(timers, this.config.heartbeatSeconds * 1000, () => this.reporter.heartbeat()));
      stopTimers.push(every(timers, this.config.probeSeconds * 1000, () => void this.probe(host, true)));
      const startup = (this.startup = new StartupWindow({
        seconds: this.config.probeStartupSeconds, clock: this.deps.clock, timers,
        probe: async () => (await this.probe(host, true)) && this.passing(),
        report: () => this.reporter.changed(),
      }));
      stopTimers.push(() => startup.close());
      this.link.open({
        desired: (e) => this.onDesired(e, host),
        converge: () => this.loop.request(),
        plan: async (data) => {
          const catalog = this.gate.candidate(data, host.verifier);
          return { ok: true, revision: catalog.revision, results: await this.converger.plan(catalog, host) };
        },
        opened: () => {
          this.markReady();
          this.reporter.changed();
        },
      });
      await this.loop.run((failedInARow) => this.round(host, failedInARow));
    } catch (err) {
      this.state = "failed";
      this.log.error({ err }, "agent failed");
      throw err;
    } finally {
      for (const stop of stopTimers) stop();
      this.pathWatch.close();
      await this.reporter.close();
      await this.link.close();
      if (this.state !== "failed") this.state = "stopped";
    }
  }

  /** True while the loop is alive and NATS is connected: what the systemd watchdog pings for. */
  healthy(): boolean {
    return this.state === "running" && (this.epoch.converging || this.loop.alive()) && this.link.connected();
  }

  /** One line for `systemctl status`: "converged rev abc123, 0 failing probes". */
  summary(): string {
    return summaryLine(this.facts(), this.gate.inForce?.revision ?? null);
  }

  /** Graceful: the resource being applied finishes, the status is reported, NATS drains. */
  stop(): void {
    if (this.state !== "running") return;
    this.state = "stopping";
    this.loop.stop();
  }

  /** Converge the current catalog now (the `kf.cmd.<host>.converge` command, tests). */
  requestConverge(): void {
    this.loop.request();
  }

  currentStatus(): HostStatus {
    return this.reporter.current();
  }

  /** One round of the loop: the catalog in force, converged, probed and reported. */
  private async round(host: HostIdentity, failedInARow: number): Promise<boolean | null> {
    const catalog = this.gate.next();
    if (!catalog) return null;
    const first = this.converger.facts().lastConverge === null;
    const failed = await this.converger.converge(catalog, host, failedInARow > 0);
    // The agent's first converge since it started counts as a start-up too: after a reboot the
    // host's services come up beside it, whether or not the converge changed anything.
    if (first || (this.converger.facts().lastConverge?.changed ?? 0) > 0) this.startup?.open();
    await this.probe(host, false); // the report below carries the probes too
    this.reporter.changed();
    return failed;
  }

  private onDesired(e: DesiredEntry, host: HostIdentity): void {
    if (e.deleted) return this.log.warn("this host was removed from the fleet; keeping its files as they are");
    const stood = this.gate.refusal;
    const a = this.gate.offer(e.data, host.verifier);
    if (a.verdict === "take") return this.loop.request();
    if (a.verdict === "in-force") {
      // The catalog in force is back (after a refused one): nothing to apply, the alarm ends.
      if (stood) this.reporter.changed();
      return;
    }
    this.log.warn({ reason: a.reason }, "catalog rejected");
    this.link.emit(a.event, "error", a.reason, a.revision);
    this.reporter.changed();
  }

  /** Runs the probes unless stopping or converging; false when they did not run. */
  private async probe(host: HostIdentity, report: boolean): Promise<boolean> {
    const catalog = this.converger.catalog;
    if (!catalog || this.state !== "running") return false;
    const ran = await this.prober.run(catalog, this.converger.secretsOf(catalog, host.key));
    if (ran === null) return false;
    // Passing ends the start-up: a failure after it is a failure.
    if (this.passing()) this.startup?.close();
    if (ran && report) this.reporter.changed();
    return true;
  }

  private passing(): boolean {
    return this.prober.results.every((p) => p.healthy);
  }

  private facts(): AgentFacts {
    return {
      host: this.config.host,
      startedAt: this.startedAt,
      now: iso(this.deps.clock()),
      heartbeatSeconds: this.config.heartbeatSeconds,
      ...this.converger.facts(),
      probes: this.prober.results,
      startingUntil: this.startup?.endsAt ?? null,
      rejected: this.gate.refusal,
      converging: this.epoch.converging,
    };
  }
}
