// The controller daemon: initialized → running → stopping → stopped | failed.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/transport-node";
import type { FastifyInstance } from "fastify";
import { connectNats } from "../shared/nats.js";
import { silentLogger, type Logger } from "../shared/log.js";
import { iso, systemClock, type Clock } from "../shared/time.js";
import type { ControllerConfig } from "./daemon-config.js";
import { ControllerBus } from "./nats/bus.js";
import { FleetState } from "./fleet/state.js";
import { GitSource } from "./git/source.js";
import { Reconciler } from "./fleet/reconciler.js";
import { Publisher } from "./fleet/publisher.js";
import { buildApp } from "./http/app.js";
import { createApiTokensFile, readHttpAuth } from "./http/secrets.js";
import { loadOrCreateSigner } from "./trust/signing-key.js";
import { CertificateAuthority } from "./ca/authority.js";
import { serveCsrs } from "./ca/csr-service.js";
import { serveEnrollment } from "./ca/enrollment.js";
import { CaRegistry } from "./ca/registry.js";
import { RevocationList } from "./ca/revocation.js";
import { TokenStore, tokenFile } from "./ca/tokens.js";
import { controllerEvent } from "./fleet/events.js";
import { ForgeryReports } from "./fleet/event-origin.js";
import { HostKeys } from "./trust/host-keys.js";
import { SecretVault } from "./trust/secrets-vault.js";
import { RolloutDriver } from "./rollout/driver.js";
import { KojiObjectsSync } from "./koji/sync.js";
import { NatsAuthorization } from "./nats/authorization.js";
import { Pins, pinControl } from "./fleet/pins.js";
import { planRevision } from "./fleet/live-plan.js";
import { fleetMetrics } from "./fleet/metrics.js";
import type { FleetEvent } from "../shared/protocol.js";
import type { Signer } from "../shared/signing.js";
import { FleetError } from "../shared/errors.js";
import { LeaderLease, type LeaseState } from "./nats/leader-lease.js";
import { StandbyServer } from "./http/standby.js";

/** How often the CA's registry and CRL are looked at: a revoke takes effect within this plus a rollout. */
const REVOCATION_CHECK_MS = 10_000;

export type ControllerState = "initialized" | "standby" | "running" | "stopping" | "stopped" | "failed";

export interface ControllerDeps {
  log: Logger;
  clock: Clock;
}

export class Controller {
  state: ControllerState = "initialized";
  readonly fleet: FleetState;
  private readonly log: Logger;
  private readonly clock: Clock;
  private nc: NatsConnection | null = null;
  private bus: ControllerBus | null = null;
  private reconciler: Reconciler | null = null;
  private app: FastifyInstance | null = null;
  private natsUp = false;
  private reconciledOnce = false;
  private signer: Signer | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private natsAuthorization: NatsAuthorization | null = null;
  /** Koji objects through the hub's API, when configured; null otherwise. */
  kojiSync: KojiObjectsSync | null = null;
  /** Publishes each revision's changed catalogs in dependency order; null before start(). */
  rollouts: RolloutDriver | null = null;
  /** With ha: the leader lease in kf-controller; null without. */
  lease: LeaderLease | null = null;
  private standby: StandbyServer | null = null;
  private standbyServing = false;
  /** Read once at start: a standby promoted later serves with the same secrets. */
  private httpAuth: ReturnType<typeof readHttpAuth> | null = null;
  url = "";
  private rejectFailure: (err: Error) => void = () => {};
  private readonly failed = new Promise<never>((_, reject) => (this.rejectFailure = reject));

  constructor(
    readonly config: ControllerConfig,
    deps: Partial<ControllerDeps> = {},
  ) {
    this.log = deps.log ?? silentLogger();
    this.clock = deps.clock ?? systemClock;
    this.fleet = new FleetState(iso(this.clock()));
    this.failed.catch(() => undefined); // observed by whoever awaits `failure`
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
      const httpAuth = (this.httpAuth = readHttpAuth(this.config.http));
      this.nc = await connectNats(this.config.nats, "koji-fleet-controller");
      this.natsUp = true;
      void this.watchNats(this.nc);
      this.bus = await ControllerBus.open(this.nc, this.log, { replicas: this.config.jetstream.replicas });
      if (this.config.ha && (await this.startLease(this.bus, this.config.ha)) !== "leader") {
        this.state = "standby";
        this.url = await this.standby!.serve(this.config.http, httpAuth.https);
        this.standbyServing = true;
        return this.url;
      }
      return await this.activate(httpAuth);
    } catch (err) {
      this.state = "failed";
      await this.stop();
      throw err;
    }
  }

  /** Settles when the controller ends on its own: rejected once another controller took its lease. */
  get failure(): Promise<never> {
    return this.failed;
  }

  private async startLease(bus: ControllerBus, ha: NonNullable<ControllerConfig["ha"]>): Promise<LeaseState> {
    this.lease = new LeaderLease(bus.controller, { holder: ha.id, incarnation: randomUUID() }, { ttlMs: ha.leaseSeconds * 1000 }, {
      elected: () => {
        if (this.standbyServing) void this.promote();
      },
      deposed: (reason) => void this.abdicate(reason),
    }, this.log);
    bus.fenceWith(() => this.lease?.mayAct() ?? false);
    bus.onFenced = (reason) => void this.abdicate(reason);
    this.standby = new StandbyServer(() => this.lease?.record ?? null, ha.id, this.log);
    return this.lease.start();
  }

  /** Elected while standing by: the standby listener gives way to the full API on the same address. */
  private async promote(): Promise<void> {
    this.standbyServing = false;
    try {
      await this.standby?.close();
      this.url = await this.activate(this.httpAuth!);
      this.log.warn({ url: this.url }, "leader: serving");
    } catch (err) {
      this.log.error({ err }, "activation after election failed");
      await this.abdicate(`activation failed: ${(err as Error).message}`);
    }
  }

  /** Another controller leads now: stop everything and end with an error (systemd restarts us as a standby). */
  private async abdicate(reason: string): Promise<void> {
    if (this.state === "stopped" || this.state === "failed") return;
    this.emit(controllerEvent(this.clock, "security", "error", `controller ${this.config.ha?.id ?? ""} stopped leading: ${reason}`));
    this.state = "failed";
    await this.stop();
    this.rejectFailure(new FleetError("KF_ERR_CONFLICT", `no longer the leader: ${reason}`));
  }

  /** The leader's work: state from git and KV, the rollout, trust, Koji, HTTP. */
  private async activate(httpAuth: ReturnType<typeof readHttpAuth>): Promise<string> {
    const nc = this.nc!;
    const bus = this.bus!;
    for (const [host, c] of await bus.readDesired()) this.fleet.desired.set(host, c);
    fleetMetrics(this.fleet).natsConnected = () => this.natsUp;
    await bus.followStatus((host, s) => {
      fleetMetrics(this.fleet).observeStatus(host, s, this.clock());
      if (s) this.fleet.status.set(host, s);
      else this.fleet.status.delete(host);
      this.rollouts?.nudge();
    });
    const forgeries = new ForgeryReports(this.clock);
    bus.followEvents((e) => this.fleet.addEvent(e), (subject, reason) => {
      const report = forgeries.event(subject, reason);
      if (report) this.emit(report);
    });
    const git = new GitSource({ url: this.config.git.url, branch: this.config.git.branch, mirrorDir: join(this.config.stateDir, "mirror.git"), log: this.log });
    this.signer = await loadOrCreateSigner(this.config.stateDir);
    const ca = this.config.ca ? await CertificateAuthority.load(this.config.ca.dir) : null;
    const revocations = ca ? await RevocationList.open(ca, new CaRegistry(ca.dir), this.clock, this.log) : null;
    const hostKeys = new HostKeys(join(this.config.stateDir, "hosts"));
    const vault = await SecretVault.open(this.config.stateDir);
    const pins = new Pins(bus.controller);
    await pins.load();
    const publisher = new Publisher({ bus, state: this.fleet, signer: this.signer, vault, hostKeys, log: this.log, clock: this.clock });
    const rollouts = (this.rollouts = new RolloutDriver({ state: this.fleet, publisher, emit: (e) => this.emit(e), clock: this.clock, log: this.log }));
    const reconciler = new Reconciler({
      git, bus, state: this.fleet, fleetPath: this.config.git.path, log: this.log, clock: this.clock, publisher, rollouts, pins,
      compileOptions: () => ({ ...(ca && { caCertPem: ca.certificatePem }), ...(revocations && { crlPem: revocations.pem }), registeredBuilders: this.kojiSync?.registered ?? new Set(), kojiraPermitted: this.kojiSync?.kojiraPermitted ?? false }),
    });
    this.reconciler = reconciler;
    await this.reconciler.restore();
    if (ca) this.serveTrust(nc, ca, hostKeys, this.signer, publisher);
    if (this.config.natsServer) {
      const registry = this.config.ca ? new CaRegistry(this.config.ca.dir) : null;
      this.natsAuthorization = new NatsAuthorization(this.config.natsServer, () => [...this.fleet.intended.keys()], async () => (await registry?.revokedHosts()) ?? [], this.log);
    }
    if (this.config.koji) {
      const k = this.config.koji;
      this.kojiSync = new KojiObjectsSync({
        fleet: () => reconciler.fleet, caFile: k.caFile, adminCertFile: k.adminCertFile, ...(k.hubUrl && { hubUrl: k.hubUrl }),
        ownedFile: join(this.config.stateDir, "koji-owned.json"),
        // A builder registered in Koji, kojira given repo: a gate opens, so a catalog changes.
        onGatesChanged: () => void reconciler.recompile().catch((err: unknown) => this.log.error({ err }, "recompile failed")),
        log: this.log,
      });
      this.timers.push(setInterval(() => void this.syncKoji(), (k.intervalSeconds ?? 60) * 1000));
    }
    // `ca revoke` reaches httpd (a new CRL in the catalogs) and nats-server within REVOCATION_CHECK_MS.
    if (revocations) this.timers.push(revocations.watch(REVOCATION_CHECK_MS, async () => {
      await reconciler.recompile();
      await this.natsAuthorization?.sync();
    }));
    this.state = "running";
    await this.sync();
    this.timers.push(setInterval(() => void this.sync(), this.config.git.pollSeconds * 1000));
    // Statuses drive the rollout; the timer covers hosts that fell silent.
    this.timers.push(setInterval(() => void this.rollouts?.tick(), 1_000));
    this.app = await buildApp({
      state: this.fleet,
      clock: this.clock,
      log: this.log,
      requestSync: () => void this.sync(),
      readiness: () => this.readiness(),
      rollouts: this.rollouts,
      koji: this.kojiSync,
      livePlan: (rev) => planRevision(nc, (r) => reconciler.candidates(r), rev),
      pins: pinControl({
        pins, compileAt: (rev) => reconciler.compileAt(rev), recompile: () => reconciler.recompile(),
        head: () => this.fleet.lastGood?.sha ?? null, inFleet: (host) => this.fleet.intended.has(host) || this.fleet.desired.has(host), now: () => iso(this.clock()),
      }),
      ...httpAuth,
    });
    this.url = await this.app.listen({ host: this.config.http.host, port: this.config.http.port });
    return this.url;
  }


  /** Fetches and reconciles now; errors are recorded in the fleet state, never thrown. */
  async sync(): Promise<void> {
    if (!this.reconciler || this.state !== "running") return;
    if (this.lease && !this.lease.mayAct()) return void this.log.warn("lease lapsed: sync skipped until it is renewed");
    try {
      await this.reconciler.trigger();
      this.reconciledOnce = true;
    } catch (err) {
      this.log.error({ err }, "reconcile failed; will retry on the next poll or webhook");
    }
    fleetMetrics(this.fleet).observeSync(this.fleet.lastSync);
    await this.syncKoji();
    await this.natsAuthorization?.sync().catch((err: unknown) => this.log.error({ err }, "nats-server authorization not updated; retrying on the next sync"));
  }

  /** Koji objects after each revision and on a timer; a hub that is not up yet is retried. */
  private async syncKoji(): Promise<void> {
    if (!this.kojiSync || this.state !== "running") return;
    await this.kojiSync.run().catch((err: unknown) => this.log.warn({ err }, "Koji objects not converged yet; retrying later"));
  }

  /** The public key agents pin to verify catalogs (PEM); null before start(). */
  get catalogPublicKeyPem(): string | null {
    return this.signer?.publicKeyPem ?? null;
  }

  /** Enrollment and certificate requests, answered with the fleet CA. */
  private serveTrust(nc: NatsConnection, ca: CertificateAuthority, hostKeys: HostKeys, signer: Signer, publisher: Publisher): void {
    const registry = new CaRegistry(ca.dir);
    serveCsrs(nc, ca, (host) => this.fleet.desired.get(host), this.log, registry);
    serveEnrollment(nc, {
      ca,
      registry,
      tokens: new TokenStore(tokenFile(this.config.stateDir)),
      // git's revision in force, not what is published yet: a rollout may still hold a new host back.
      inFleet: (host) => this.fleet.intended.has(host),
      catalogPublicKeyPem: signer.publicKeyPem,
      onRefused: (host, reason) => this.emit(controllerEvent(this.clock, "security", "error", `enrollment of ${host} refused: ${reason}`, { host })),
      onEnrolled: async (host, certificatePem) => {
        await hostKeys.save(host, certificatePem);
        // Its secrets can be sealed now; publishing waits for nothing else.
        void publisher.republish(host).catch((err: unknown) => this.log.error({ err, host }, "republish after enrollment failed"));
      },
    }, this.log);
  }

  private emit(event: FleetEvent): void {
    this.log.warn({ event: event.type, host: event.host }, event.message);
    this.fleet.addEvent(event);
    this.bus?.publishFleetEvent(event);
  }

  readiness(): { ready: boolean; reason: string } {
    if (this.state === "standby") return { ready: false, reason: `standby: ${this.standby?.leaderText() ?? "no leader known"}` };
    if (this.state !== "running") return { ready: false, reason: `controller is ${this.state}` };
    if (this.lease && !this.lease.mayAct()) return { ready: false, reason: "leader lease lapsed (NATS unreachable?): not writing until it is renewed" };
    if (!this.natsUp) return { ready: false, reason: "NATS connection lost" };
    if (!this.reconciledOnce) return { ready: false, reason: "first reconcile has not completed" };
    return { ready: true, reason: "ok" };
  }

  private async watchNats(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === "disconnect") this.natsUp = false;
      if (s.type === "reconnect") this.natsUp = true;
      this.log.info({ nats: s.type }, "NATS connection status");
    }
  }

  async stop(): Promise<void> {
    if (this.state === "stopped") return;
    if (this.state !== "failed") this.state = "stopping";
    for (const t of this.timers) clearInterval(t);
    this.rollouts?.stop();
    await this.standby?.close();
    await this.app?.close();
    await this.lease?.stop();
    this.bus?.stop();
    if (this.nc && !this.nc.isClosed()) await this.nc.drain().catch(() => this.nc?.close());
    if (this.state !== "failed") this.state = "stopped";
  }
}
