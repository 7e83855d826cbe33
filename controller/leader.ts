// The leader's work, composed in one place: state from KV and git, the publisher, the rollout
// and the reconciler, trust (CSRs, enrollment, revocation), Koji objects, nats-server's users,
// the HTTP API. composeLeader builds every piece (and follows kf-status and the events) before
// the first sync; Leader.start() then reconciles once, starts the timers and listens;
// Leader.stop() ends them in the opposite order, git's long-lived object reader last.
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Logger } from "../shared/log.js";
import { iso, type Clock } from "../shared/time.js";
import type { FleetEvent } from "../shared/protocol.js";
import type { ControllerConfig } from "./daemon-config.js";
import type { NatsLink } from "./nats/link.js";
import type { FleetState } from "./fleet/state.js";
import { GitSource } from "./git/source.js";
import { Reconciler } from "./fleet/reconciler.js";
import { Publisher } from "./fleet/publisher.js";
import { keptStatus } from "./fleet/kept-status.js";
import { Pins, pinControl } from "./fleet/pins.js";
import { secretControl } from "./fleet/secrets.js";
import { planRevision } from "./fleet/live-plan.js";
import { fleetMetrics } from "./fleet/metrics.js";
import { ForgeryReports } from "./fleet/event-origin.js";
import { controllerEvent } from "./fleet/events.js";
import { RolloutDriver } from "./rollout/driver.js";
import { buildApp } from "./http/app.js";
import type { readHttpAuth } from "./http/secrets.js";
import { loadOrCreateSigner } from "./trust/signing-key.js";
import { HostKeys } from "./trust/host-keys.js";
import { SecretVault } from "./trust/secrets-vault.js";
import { CertificateAuthority } from "./ca/authority.js";
import { serveCsrs } from "./ca/csr-service.js";
import { serveEnrollment } from "./ca/enrollment.js";
import { CaRegistry } from "./ca/registry.js";
import { RevocationList } from "./ca/revocation.js";
import { TokenStore, tokenFile } from "./ca/tokens.js";
import { KojiObjectsSync } from "./koji/sync.js";
import { KojiContentSync } from "./koji/content-sync.js";
import { NatsAuthorization } from "./nats/authorization.js";
import { listen } from "./http/starting.js";

/** How often the CA's registry and CRL are looked at: a revoke takes effect within this plus a rollout. */
const REVOCATION_CHECK_MS = 10_000;

export type HttpAuth = ReturnType<typeof readHttpAuth>;

export interface LeaderDeps {
  config: ControllerConfig;
  fleet: FleetState;
  link: NatsLink;
  httpAuth: HttpAuth;
  log: Logger;
  clock: Clock;
  /** False while the leader lease (ha) has lapsed: nothing is written then. */
  mayAct(): boolean;
  /** The controller's answer to /readyz. */
  readiness(): { ready: boolean; reason: string };
  /** Logs a controller event, keeps it in the fleet state and publishes it. */
  emit(event: FleetEvent): void;
}

/**
 * One sync: git reconciled, then Koji objects, then nats-server's users. Webhooks, the poll
 * timer and the first start run it; errors are logged (and kept in the fleet state), never thrown.
 */
class FleetSync {
  /** A reconcile completed once: /readyz waits for it. */
  reconciledOnce = false;
  private stopped = false;

  constructor(
    private readonly d: Pick<LeaderDeps, "fleet" | "log" | "mayAct">,
    private readonly reconciler: Reconciler,
    private readonly kojiSync: KojiObjectsSync | null,
    private readonly kojiContent: KojiContentSync | null,
    private readonly natsAuthorization: NatsAuthorization | null,
  ) {}

  async run(): Promise<void> {
    const { fleet, log } = this.d;
    if (this.stopped) return;
    if (!this.d.mayAct()) return void log.warn("lease lapsed: sync skipped until it is renewed");
    try {
      await this.reconciler.trigger();
      this.reconciledOnce = true;
    } catch (err) {
      log.error({ err }, "reconcile failed; will retry on the next poll or webhook");
    }
    fleetMetrics(fleet).observeSync(fleet.lastSync);
    await this.koji();
    await this.natsAuthorization?.sync().catch((err: unknown) => log.error({ err }, "nats-server authorization not updated; retrying on the next sync"));
  }

  /** Koji objects, then Koji's content, after each revision and on a timer; a hub that is not up yet is retried. */
  async koji(): Promise<void> {
    if (!this.kojiSync || this.stopped) return;
    await this.kojiSync.run().catch((err: unknown) => this.d.log.warn({ err }, "Koji objects not converged yet; retrying later"));
    if (this.stopped) return;
    await this.kojiContent?.run().catch((err: unknown) => this.d.log.warn({ err }, "Koji content not converged yet; retrying later"));
  }

  stop(): void {
    this.stopped = true;
  }
}

/** The pieces of a leader, all made before it starts. */
interface LeaderParts {
  readonly sync: FleetSync;
  readonly git: GitSource;
  readonly reconciler: Reconciler;
  readonly rollouts: RolloutDriver;
  readonly kojiSync: KojiObjectsSync | null;
  readonly revocations: RevocationList | null;
  readonly natsAuthorization: NatsAuthorization | null;
  readonly catalogPublicKeyPem: string;
  readonly app: FastifyInstance;
}

/** What the leader runs; every piece exists from construction on. */
export class Leader {
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly d: LeaderDeps,
    private readonly p: LeaderParts,
  ) {}

  /** Koji objects through the hub's API, when configured. */
  get kojiSync(): KojiObjectsSync | null {
    return this.p.kojiSync;
  }

  /** The public key agents pin to verify catalogs (PEM). */
  get catalogPublicKeyPem(): string {
    return this.p.catalogPublicKeyPem;
  }

  get reconciledOnce(): boolean {
    return this.p.sync.reconciledOnce;
  }

  /** Fetches and reconciles now; errors are recorded in the fleet state, never thrown. */
  sync(): Promise<void> {
    return this.p.sync.run();
  }

  /** Reconciles once, starts the timers, serves the API; returns its URL. */
  /** `beforeListen`: the starting server gives the address up (controller/http/starting.ts). */
  async start(beforeListen: () => Promise<void> = async () => undefined): Promise<string> {
    const { config } = this.d;
    const { sync, reconciler, rollouts, revocations, natsAuthorization, app } = this.p;
    if (config.koji) this.timers.push(setInterval(() => void sync.koji(), (config.koji.intervalSeconds ?? 60) * 1000));
    // `ca revoke` reaches httpd (a new CRL in the catalogs) and nats-server within REVOCATION_CHECK_MS.
    if (revocations) this.timers.push(revocations.watch(REVOCATION_CHECK_MS, async () => {
      await reconciler.recompile();
      await natsAuthorization?.sync();
    }));
    await sync.run();
    this.timers.push(setInterval(() => void sync.run(), config.git.pollSeconds * 1000));
    // Statuses drive the rollout; the timer covers hosts that fell silent.
    this.timers.push(setInterval(() => void rollouts.tick(), 1_000));
    await beforeListen();
    return listen(app, config.http);
  }

  /** Syncs and timers first (no new work), then the rollout's status timer, then HTTP, then git's object reader. */
  async stop(): Promise<void> {
    this.p.sync.stop();
    for (const t of this.timers) clearInterval(t);
    this.p.rollouts.stop();
    try {
      await this.p.app.close();
    } finally {
      await this.p.git.close();
    }
  }
}

/**
 * Builds the leader, each piece once and in dependency order: keys and the CA, the publisher and
 * the rollout, kf-desired and the statuses, the reconciler and Koji, trust services, HTTP.
 */
export async function composeLeader(d: LeaderDeps): Promise<Leader> {
  const { config, fleet, link, log, clock, emit } = d;
  const { nc, bus } = link;
  const signer = await loadOrCreateSigner(config.stateDir);
  const ca = config.ca ? await CertificateAuthority.load(config.ca.dir) : null;
  const revocations = ca ? await RevocationList.open(ca, new CaRegistry(ca.dir), clock, log) : null;
  const hostKeys = new HostKeys(join(config.stateDir, "hosts"));
  const vault = await SecretVault.open(config.stateDir);
  const publisher = new Publisher({ bus, state: fleet, signer, vault, hostKeys, log, clock });
  const rollouts = new RolloutDriver({ state: fleet, publisher, emit, clock, log });

  await publisher.readInForce();
  fleetMetrics(fleet).natsConnected = () => link.up;
  await bus.followStatus((host, s) => {
    const kept = s && keptStatus(s, fleet.desired.get(host));
    fleetMetrics(fleet).observeStatus(host, kept, clock());
    if (kept) fleet.status.set(host, kept);
    else fleet.status.delete(host);
    rollouts.nudge();
  });
  const forgeries = new ForgeryReports(clock);
  bus.followEvents((e) => fleet.addEvent(e), (subject, reason) => {
    const report = forgeries.event(subject, reason);
    if (report) emit(report);
  });

  const pins = new Pins(bus.controller);
  await pins.load();
  const git = new GitSource({ url: config.git.url, branch: config.git.branch, mirrorDir: join(config.stateDir, "mirror.git"), log });
  // Koji and the reconciler feed each other: a builder registered in Koji opens its gate in the
  // catalogs, and the revision in force says which objects Koji should have. The closures tie
  // that knot; they run from the first sync on, when both exist.
  const reconciler: Reconciler = new Reconciler({
    git, bus, state: fleet, fleetPath: config.git.path, log, clock, publisher, rollouts, pins,
    compileOptions: () => ({ ...(ca && { caCertPem: ca.certificatePem }), ...(revocations && { crlPem: revocations.pem }), registeredBuilders: kojiSync?.registered ?? new Set(), kojiraPermitted: kojiSync?.kojiraPermitted ?? false }),
  });
  const k = config.koji;
  const kojiSync = k
    ? new KojiObjectsSync({
        fleet: () => reconciler.fleet, caFile: k.caFile, adminCertFile: k.adminCertFile, ...(k.hubUrl && { hubUrl: k.hubUrl }),
        ownedFile: join(config.stateDir, "koji-owned.json"),
        // A builder registered in Koji, kojira given repo: a gate opens, so a catalog changes.
        onGatesChanged: () => void reconciler.recompile().catch((err: unknown) => log.error({ err }, "recompile failed")),
        log,
      })
    : null;
  // Koji's content once the hub is Ready at its catalog (docs/koji-objects.md#convergence).
  const kojiContent = k
    ? new KojiContentSync({
        fleet: () => reconciler.fleet, revision: () => fleet.lastGood?.sha ?? null, hostView: (host) => fleet.host(host, clock()),
        caFile: k.caFile, adminCertFile: k.adminCertFile, ...(k.hubUrl && { hubUrl: k.hubUrl }),
        stateFile: join(config.stateDir, "koji-content.json"),
        emit, clock, log,
      })
    : null;
  await reconciler.restore();

  if (ca) {
    const registry = new CaRegistry(ca.dir);
    serveCsrs(nc, ca, (host) => fleet.desired.get(host), log, registry);
    serveEnrollment(nc, {
      ca,
      registry,
      tokens: new TokenStore(tokenFile(config.stateDir)),
      // git's revision in force, not what is published yet: a rollout may still hold a new host back.
      inFleet: (host) => fleet.intended.has(host),
      catalogPublicKeyPem: signer.publicKeyPem,
      onRefused: (host, reason) => emit(controllerEvent(clock, "security", "error", `enrollment of ${host} refused: ${reason}`, { host })),
      onEnrolled: async (host, certificatePem) => {
        await hostKeys.save(host, certificatePem);
        // Its secrets can be sealed now; publishing waits for nothing else.
        void publisher.republish(host).catch((err: unknown) => log.error({ err, host }, "republish after enrollment failed"));
      },
    }, log);
  }
  const registry = config.ca ? new CaRegistry(config.ca.dir) : null;
  const natsAuthorization = config.natsServer
    ? new NatsAuthorization(config.natsServer, () => [...fleet.intended.keys()], async () => (await registry?.revokedHosts()) ?? [], log)
    : null;

  const sync = new FleetSync(d, reconciler, kojiSync, kojiContent, natsAuthorization);
  const app = await buildApp({
    state: fleet,
    clock,
    log,
    requestSync: () => void sync.run(),
    readiness: () => d.readiness(),
    reportedStatus: (host) => bus.readStatus(host),
    rollouts,
    koji: kojiSync,
    kojiContent,
    livePlan: (rev) => planRevision(nc, (r) => reconciler.candidates(r), rev, { ...(kojiContent && { koji: (f) => kojiContent.livePlan(f) }) }),
    pins: pinControl({
      pins, compileAt: (rev) => reconciler.compileAt(rev), recompile: () => reconciler.recompile(),
      head: () => fleet.lastGood?.sha ?? null, inFleet: (host) => fleet.intended.has(host) || fleet.desired.has(host), now: () => iso(clock()),
      emit: (type, severity, message, extra) => emit(controllerEvent(clock, type, severity, message, extra)),
    }),
    // The publisher seals from this same vault, so a value set here is in the next put.
    secrets: secretControl({
      vault, catalogs: () => fleet.desired.values(), republish: (host) => publisher.republish(host), log,
      emit: (message, data) => emit(controllerEvent(clock, "secret-set", "info", message, { data })),
    }),
    ...d.httpAuth,
  });
  return new Leader(d, { sync, git, reconciler, rollouts, kojiSync, revocations, natsAuthorization, catalogPublicKeyPem: signer.publicKeyPem, app });
}
