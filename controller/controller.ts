// The controller daemon: initialized → running → stopping → stopped | failed; with ha it waits
// as a standby until elected. The composition root: what exists at each stage is in `stage`
// (nothing is null until later), the leader's work is composed in one go (leader.ts), and
// stop() takes down what start() made in the reverse order: the leader (timers, rollout, HTTP),
// then the standby listener and the lease, then NATS.
import { randomUUID } from "node:crypto";
import { silentLogger, type Logger } from "../shared/log.js";
import { iso, systemClock, type Clock } from "../shared/time.js";
import type { FleetEvent } from "../shared/protocol.js";
import { FleetError } from "../shared/errors.js";
import type { ControllerConfig } from "./daemon-config.js";
import { FleetState } from "./fleet/state.js";
import { controllerEvent } from "./fleet/events.js";
import { createApiTokensFile, readHttpAuth } from "./http/secrets.js";
import { StandbyServer } from "./http/standby.js";
import { StartingServer } from "./http/starting.js";
import { connectFailureText, type ConnectFailure } from "../shared/nats.js";
import { LeaderLease } from "./nats/leader-lease.js";
import { NatsLink } from "./nats/link.js";
import type { KojiObjectsSync } from "./koji/sync.js";
import { composeLeader, type HttpAuth, type Leader } from "./leader.js";

export type ControllerState = "initialized" | "standby" | "running" | "stopping" | "stopped" | "failed";

export interface ControllerDeps {
  log: Logger;
  clock: Clock;
}

/** With ha: the lease, and what serves the API's address while this controller stands by. */
interface HighAvailability {
  lease: LeaderLease;
  standby: StandbyServer;
}

/** What exists at each stage. */
type Stage =
  | { name: "initialized" | "stopping" | "stopped" | "failed" }
  /** `serving`: the standby listener is up (an election promotes only then). */
  | { name: "standby"; link: NatsLink; ha: HighAvailability; httpAuth: HttpAuth; serving: boolean }
  | { name: "running"; link: NatsLink; ha: HighAvailability | null; leader: Leader };

export class Controller {
  readonly fleet: FleetState;
  url = "";
  private stage: Stage = { name: "initialized" };
  private readonly teardown = new Teardown();
  private readonly log: Logger;
  private readonly clock: Clock;
  private rejectFailure: (err: Error) => void = () => {};
  /** The last failed NATS connect since the link was last up (for /readyz), with when it began. */
  private natsTrouble: (ConnectFailure & { since: string }) | null = null;
  /** config.http, with the port the starting server got when the config asks for any (0). */
  private http: ControllerConfig["http"];
  private readonly failed = new Promise<never>((_, reject) => (this.rejectFailure = reject));

  constructor(
    readonly config: ControllerConfig,
    deps: Partial<ControllerDeps> = {},
  ) {
    this.log = deps.log ?? silentLogger();
    this.clock = deps.clock ?? systemClock;
    this.fleet = new FleetState(iso(this.clock()));
    this.http = config.http;
    this.failed.catch(() => undefined); // observed by whoever awaits `failure`
  }

  get state(): ControllerState {
    return this.stage.name;
  }

  /**
   * Connects and, unless another controller leads (ha), restores state, reconciles once, starts
   * polling and serves HTTP. A standby serves health only until it is elected. Returns the API URL.
   */
  async start(): Promise<string> {
    try {
      // Secret files first: a missing or unreadable one should fail before anything connects.
      const tokens = this.config.http.apiTokensFile;
      if (tokens && createApiTokensFile(tokens)) this.log.warn({ file: tokens }, `created ${tokens} with a new API token: koji-fleet commands send it with --token ${tokens}`);
      // Read once: a standby promoted later serves with the same secrets.
      const httpAuth = readHttpAuth(this.config.http);
      // The API's address first: /readyz says why while NATS is not there, and a busy port ends the start now.
      const starting = new StartingServer(() => this.readiness().reason);
      const bound = await starting.serve(this.http, httpAuth.https);
      this.made(() => starting.close());
      this.http = { ...this.http, port: bound.port };
      this.url = bound.url;
      const connecting = new AbortController();
      this.made(async () => connecting.abort(new FleetError("KF_ERR_NOT_READY", "the controller was stopped while it connected to NATS")));
      const link = await NatsLink.open(this.config.nats, this.config.jetstream.replicas, this.log, {
        failed: (f) => {
          this.natsTrouble = { ...f, since: f.attempt === 1 || !this.natsTrouble ? iso(this.clock()) : this.natsTrouble.since };
          this.log.warn({ nats: f.servers, reason: f.reason, attempt: f.attempt }, connectFailureText(f));
        },
        reconnected: (server) => {
          this.natsTrouble = null;
          this.log.info({ nats: server }, "NATS connection restored");
        },
        signal: connecting.signal,
      });
      this.natsTrouble = null;
      this.made(() => link.close());
      this.notStopped();
      const ha = this.config.ha ? this.highAvailability(link, this.config.ha) : null;
      if (ha && (await ha.lease.start()) !== "leader") {
        this.notStopped();
        this.stage = { name: "standby", link, ha, httpAuth, serving: false };
        await starting.close();
        const url = await ha.standby.serve(this.http, httpAuth.https);
        this.notStopped();
        this.url = url;
        this.stage = { name: "standby", link, ha, httpAuth, serving: true };
        return this.url;
      }
      return await this.activate(link, ha, httpAuth, () => starting.close());
    } catch (err) {
      if (this.stage.name !== "stopping" && this.stage.name !== "stopped") this.stage = { name: "failed" };
      await this.stop();
      throw err;
    }
  }

  /** Settles when the controller ends on its own: rejected once another controller took its lease. */
  get failure(): Promise<never> {
    return this.failed;
  }

  /** Koji objects through the hub's API while leading, when configured; null otherwise. */
  get kojiSync(): KojiObjectsSync | null {
    return this.stage.name === "running" ? this.stage.leader.kojiSync : null;
  }

  /** The public key agents pin to verify catalogs (PEM), while leading. */
  get catalogPublicKeyPem(): string | null {
    return this.stage.name === "running" ? this.stage.leader.catalogPublicKeyPem : null;
  }

  /** Fetches and reconciles now; errors are recorded in the fleet state, never thrown. */
  async sync(): Promise<void> {
    const s = this.stage;
    if (s.name === "running") await s.leader.sync();
  }

  readiness(): { ready: boolean; reason: string } {
    const s = this.stage;
    if (s.name === "standby") return { ready: false, reason: `standby: ${s.ha.standby.leaderText()}` };
    const nats = this.natsTrouble ? `NATS unreachable since ${this.natsTrouble.since}: ${connectFailureText(this.natsTrouble)}` : null;
    if (s.name === "initialized") return { ready: false, reason: nats ?? `connecting to NATS at ${this.config.nats.servers.join(", ")}` };
    if (s.name !== "running") return { ready: false, reason: `controller is ${s.name}` };
    if (s.ha && !s.ha.lease.mayAct()) return { ready: false, reason: `leader lease lapsed (${nats ?? "NATS unreachable?"}): not writing until it is renewed` };
    if (!s.link.up) return { ready: false, reason: nats ?? "NATS connection lost; reconnecting" };
    if (!s.leader.reconciledOnce) return { ready: false, reason: "first reconcile has not completed" };
    return { ready: true, reason: "ok" };
  }

  /** Idempotent; also waits for what a start() still under way made after the first stop(). */
  async stop(): Promise<void> {
    if (this.stage.name !== "stopped" && this.stage.name !== "failed") this.stage = { name: "stopping" };
    await this.teardown.run();
    if (this.stage.name !== "failed") this.stage = { name: "stopped" };
  }

  /** The leader lease in kf-controller; catalog puts are fenced by it. */
  private highAvailability(link: NatsLink, ha: NonNullable<ControllerConfig["ha"]>): HighAvailability {
    const lease = new LeaderLease(link.bus.controller, { holder: ha.id, incarnation: randomUUID() }, { ttlMs: ha.leaseSeconds * 1000 }, {
      elected: () => {
        if (this.stage.name === "standby" && this.stage.serving) void this.promote(this.stage);
      },
      deposed: (reason) => void this.abdicate(link, reason),
    }, this.log);
    this.made(() => lease.stop());
    link.bus.fenceWith(() => lease.mayAct());
    link.bus.onFenced = (reason) => void this.abdicate(link, reason);
    const standby = new StandbyServer(() => lease.record, ha.id, this.log);
    this.made(() => standby.close());
    return { lease, standby };
  }

  /** Elected while standing by: the standby listener gives way to the full API on the same address. */
  private async promote(s: Extract<Stage, { name: "standby" }>): Promise<void> {
    this.stage = { ...s, serving: false };
    try {
      await s.ha.standby.close();
      this.url = await this.activate(s.link, s.ha, s.httpAuth, async () => undefined);
      this.log.warn({ url: this.url }, "leader: serving");
    } catch (err) {
      this.log.error({ err }, "activation after election failed");
      await this.abdicate(s.link, `activation failed: ${(err as Error).message}`);
    }
  }

  /** Another controller leads now: stop everything and end with an error (systemd restarts us as a standby). */
  private async abdicate(link: NatsLink, reason: string): Promise<void> {
    if (this.stage.name === "stopped" || this.stage.name === "failed") return;
    this.emit(link, controllerEvent(this.clock, "security", "error", `controller ${this.config.ha?.id ?? ""} stopped leading: ${reason}`));
    this.stage = { name: "failed" };
    await this.stop();
    this.rejectFailure(new FleetError("KF_ERR_CONFLICT", `no longer the leader: ${reason}`));
  }

  /** The leader's work: state from git and KV, the rollout, trust, Koji, HTTP. */
  private async activate(link: NatsLink, ha: HighAvailability | null, httpAuth: HttpAuth, beforeListen: () => Promise<void>): Promise<string> {
    const leader = await composeLeader({
      config: { ...this.config, http: this.http }, fleet: this.fleet, link, httpAuth, log: this.log, clock: this.clock,
      mayAct: () => ha?.lease.mayAct() ?? true,
      readiness: () => this.readiness(),
      emit: (e) => this.emit(link, e),
    });
    this.made(() => leader.stop());
    this.notStopped();
    this.stage = { name: "running", link, ha, leader };
    this.url = await leader.start(beforeListen);
    return this.url;
  }

  /** Registers how to take down what was just made (at once, when stop() began already). */
  private made(takeDown: () => Promise<void>): void {
    this.teardown.add(takeDown);
  }

  /** After each wait in start() or a promotion: once stop() began, nothing more starts. */
  private notStopped(): void {
    if (this.teardown.begun) throw new FleetError("KF_ERR_NOT_READY", "the controller was stopped while it started");
  }

  private emit(link: NatsLink, event: FleetEvent): void {
    this.log.warn({ event: event.type, host: event.host }, event.message);
    this.fleet.addEvent(event);
    link.bus.publishFleetEvent(event);
  }
}

/** Take-down steps, run in the reverse order of their making, each once; a failed step does not stop the rest. */
class Teardown {
  private readonly steps: (() => Promise<void>)[] = [];
  private running = false;
  private finished: Promise<void> = Promise.resolve();

  get begun(): boolean {
    return this.running;
  }

  /** Once run() began, `step` runs at once, after the others. */
  add(step: () => Promise<void>): void {
    if (!this.running) return void this.steps.push(step);
    this.finished = this.finished.finally(step);
    this.finished.catch(() => undefined); // reported to the next run() caller, never unhandled
  }

  /** The first failure is thrown once every step ran. */
  run(): Promise<void> {
    if (!this.running) {
      this.running = true;
      this.finished = (async () => {
        let failure: unknown = null;
        for (const step of this.steps.reverse()) await step().catch((err: unknown) => (failure ??= err));
        if (failure !== null) throw failure;
      })();
    }
    return this.finished;
  }
}
