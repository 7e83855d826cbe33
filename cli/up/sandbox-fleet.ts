// `koji-fleet up`: the whole loop on one machine. A real nats-server, a real git repository
// seeded from gitops/, the controller, and one sandboxed agent per host (roots under hosts/).
import { cp, mkdir, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { simpleGit } from "simple-git";
import type { Logger } from "../../shared/log.js";
import type { FleetEvent } from "../../shared/protocol.js";
import { Controller } from "../../controller/controller.js";
import { readControllerConfig } from "../../controller/daemon-config.js";
import { withDefaults as agentDefaults } from "../../agent/config.js";
import { Agent } from "../../agent/agent.js";
import { CONTROLLER_USER, ENROLLMENT_USER, SandboxNats } from "./sandbox-nats.js";
import { packageRoot } from "./package-root.js";
import { CA_CERT_FILE, CertificateAuthority } from "../../controller/ca/authority.js";
import { TokenStore, tokenFile } from "../../controller/ca/tokens.js";
import { writeFileAtomic } from "../../shared/atomic-file.js";
import { sandboxConfigText, sandboxControllerConfig } from "./sandbox-config.js";
import { installCommitHook } from "./commit-hook.js";

export interface SandboxFleetOptions {
  dir: string;
  httpPort: number;
  pollSeconds: number;
  log: Logger;
  /** Sees every fleet event, the first reconcile's included. */
  onEvent?: (e: FleetEvent) => void;
}

export class SandboxFleet {
  private nats: SandboxNats | null = null;
  private controller: Controller | null = null;
  private readonly agents = new Map<string, { agent: Agent; done: Promise<void> }>();
  private readonly starting = new Set<string>();
  /** Ends the subscription to revision-accepted events. */
  private unwatch: (() => void) | null = null;
  /** After a failed start of agents: one more try, once. */
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;
  apiUrl = "";

  constructor(private readonly o: SandboxFleetOptions) {}

  /** Where the sandbox's nats-server listens; every client must log in (DIR/nats/passwords.json). */
  get natsUrl(): string {
    return this.nats?.url ?? "";
  }

  get repoDir(): string {
    return join(resolve(this.o.dir), "gitops");
  }

  /** On failure, what it started is stopped again before it throws: nothing is left running. */
  async start(): Promise<void> {
    try {
      await this.startAll();
    } catch (err) {
      await this.stop().catch((e: unknown) => this.o.log.error({ err: e }, "stopping after a failed start"));
      throw err;
    }
  }

  private async startAll(): Promise<void> {
    const dir = resolve(this.o.dir);
    await mkdir(dir, { recursive: true });
    await this.seedRepository();
    this.nats = await SandboxNats.start(join(dir, "nats"));
    const caDir = join(dir, "ca");
    if (!existsSync(join(caDir, CA_CERT_FILE))) await CertificateAuthority.init(caDir, { subject: [["O", "koji-fleet up"], ["CN", "Koji CA"]] });
    const config = await this.writeConfig(this.o.httpPort);
    this.controller = new Controller(readControllerConfig(config), { log: this.o.log.child({ svc: "controller" }) });
    if (this.o.onEvent) this.controller.fleet.onEvent(this.o.onEvent);
    this.apiUrl = await this.controller.start();
    // --port 0 took a free port: the file says the one the API listens on, for `token create`.
    if (this.o.httpPort === 0) await this.writeConfig(Number(new URL(this.apiUrl).port));
    await installCommitHook(this.repoDir, this.apiUrl);
    // A host added to fleet.yaml gets its agent the moment the revision adding it is accepted
    // (the event is emitted synchronously, after the controller knows the revision's hosts).
    this.unwatch = this.controller.fleet.onEvent((e) => {
      if (e.type === "revision-accepted") this.startAgents();
    });
    this.startAgents();
  }

  /** DIR/controller.yaml, the controller's config as production has one (sandbox-config.ts). */
  get configFile(): string {
    return join(resolve(this.o.dir), "controller.yaml");
  }

  private async writeConfig(httpPort: number): Promise<string> {
    const dir = resolve(this.o.dir);
    const config = sandboxControllerConfig({ dir, repoDir: this.repoDir, pollSeconds: this.o.pollSeconds, nats: this.nats!.credentials(CONTROLLER_USER), httpPort });
    await writeFileAtomic(this.configFile, sandboxConfigText(config));
    return this.configFile;
  }

  /** Copies gitops/ into a real repository the first time; later runs keep the user's edits. */
  private async seedRepository(): Promise<void> {
    if (existsSync(join(this.repoDir, ".git"))) return;
    await cp(join(packageRoot(), "gitops"), this.repoDir, { recursive: true });
    const git = simpleGit({ baseDir: this.repoDir });
    await git.init(["--initial-branch=main"]);
    await git.addConfig("user.name", "koji-fleet up").addConfig("user.email", "up@koji-fleet.invalid");
    await git.add(".").commit("Initial fleet from koji-fleet's gitops example");
  }

  /**
   * Agents for the hosts of the revision in force (the controller enrolls them from then on) and
   * for those with a catalog in kf-desired (a restart whose head is rejected), not started yet.
   */
  private startAgents(): void {
    if (!this.controller || !this.nats || this.stopped) return;
    const { intended, desired } = this.controller.fleet;
    const hosts = [...new Set([...intended.keys(), ...desired.keys()])];
    const fresh = hosts.filter((h) => !this.agents.has(h) && !this.starting.has(h));
    if (fresh.length === 0) return;
    this.o.log.info({ hosts: fresh }, "starting agents");
    for (const h of fresh) this.starting.add(h);
    void this.nats
      .allow(hosts)
      .then(() => Promise.all(fresh.map((h) => this.startAgent(h))))
      .catch((err: unknown) => {
        this.o.log.error({ err, hosts: fresh }, "agents not started; retrying in a second");
        this.retryLater();
      })
      .finally(() => fresh.forEach((h) => this.starting.delete(h)));
  }

  /** No event may come for a while (the next commit), so a failed start is tried again on its own. */
  private retryLater(): void {
    if (this.retry || this.stopped) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.startAgents();
    }, 1_000);
  }

  /** Like a new VM: a one-time token, then the agent enrolls itself on first start. */
  private async startAgent(host: string): Promise<void> {
    if (!this.nats || this.stopped) return;
    const dir = resolve(this.o.dir);
    const identity = join(dir, "identity", host);
    const tokenPath = join(identity, "token");
    if (!existsSync(join(identity, "agent.crt"))) {
      await mkdir(identity, { recursive: true, mode: 0o700 });
      await writeFile(tokenPath, await new TokenStore(tokenFile(join(dir, "controller"))).create(host, 3600), { mode: 0o600 });
    }
    const agent = new Agent(
      agentDefaults({
        host,
        nats: this.nats.credentials(host),
        root: join(dir, "hosts", host),
        sandbox: true,
        stateDir: join(dir, "state", host),
        identityDir: identity,
        catalogKeyFile: join(identity, "catalog.pub"),
        enrollment: { tokenFile: tokenPath, nats: this.nats.credentials(ENROLLMENT_USER) },
        heartbeatSeconds: 5,
        reconvergeSeconds: 60,
      }),
      // Catalogs name secrets (DB password, kojiweb Secret); sandbox hosts get stand-ins.
      { log: this.o.log.child({ svc: "agent", host }) },
    );
    if (this.stopped) return;
    const done = agent.run().catch((err: unknown) => this.o.log.error({ err, host }, "agent stopped with an error"));
    this.agents.set(host, { agent, done });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    if (this.retry) clearTimeout(this.retry);
    for (const { agent } of this.agents.values()) agent.stop();
    await Promise.all([...this.agents.values()].map((a) => a.done));
    await this.controller?.stop();
    await this.nats?.stop();
  }
}
