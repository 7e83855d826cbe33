// A whole fleet in one test process: a real nats-server, a real bare git repository fed by
// real `git push`, the controller, and one sandboxed agent per host with its own NATS connection.
import { readFile, readdir, lstat, readlink, writeFile, mkdir } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { Controller } from "../../controller/controller.js";
import { CertificateAuthority } from "../../controller/ca/authority.js";
import { TokenStore, tokenFile } from "../../controller/ca/tokens.js";
import { withDefaults as controllerDefaults, type ControllerConfigFile } from "../../controller/daemon-config.js";
import { Agent, type AgentDeps } from "../../agent/agent.js";
import { withDefaults as agentDefaults, type AgentConfigFile } from "../../agent/config.js";
import { createLogger, silentLogger } from "../../shared/log.js";
import { Writable } from "node:stream";
import type { HostView } from "../../shared/api/hosts.js";
import { startNatsServer, type NatsServer } from "../../controller/nats/embedded-server.js";
import type { NatsConfig } from "../../shared/nats.js";
import { createRemote, type Remote } from "./git.js";
import type { NatsCluster } from "./nats-cluster.js";
import { makeTmpDir, removeDir } from "./tmp.js";
import { waitFor } from "./wait.js";
import { freePort } from "./net.js";

export const EXAMPLE_FLEET = new URL("../../gitops/fleet.yaml", import.meta.url);
/** Sandbox hosts get a stand-in for every secret their catalogs name (DB password, kojiweb Secret). */

export const HOSTS = ["cs10-koji-00", "cs10-koji-01", "cs10-koji-02", "cs10-koji-03", "cs10-koji-04"] as const;

export interface RunningAgent {
  agent: Agent;
  done: Promise<void>;
}

export class TestFleet {
  readonly agents = new Map<string, RunningAgent>();
  controller!: Controller;
  apiUrl = "";

  private constructor(
    readonly dir: string,
    readonly nats: NatsServer,
    readonly remote: Remote,
  ) {}

  /** Every log line of the controller and agents when started with `captureLogs` (debug level). */
  readonly logs: string[] = [];
  private log = silentLogger();

  private controllerExtra: Partial<ControllerConfigFile> = {};
  /** Set when the fleet runs on a nats-server cluster instead of its own single server. */
  cluster: NatsCluster | null = null;

  static async start(opts: {
    fleetYaml?: string; startAgents?: boolean; captureLogs?: boolean; controller?: Partial<ControllerConfigFile>; natsHost?: string;
    /** Run on this cluster (password users, every member listed, buckets with 3 replicas). */
    cluster?: NatsCluster;
  } = {}): Promise<TestFleet> {
    const dir = await makeTmpDir("kf-fleet-");
    const nats = opts.cluster?.nodes[0]!.server ?? (await startNatsServer({ storeDir: join(dir, "nats"), ...(opts.natsHost && { host: opts.natsHost }) }));
    const remote = await createRemote();
    await remote.commitAll("initial fleet", { "fleet.yaml": opts.fleetYaml ?? (await readFile(EXAMPLE_FLEET, "utf8")) });
    const fleet = new TestFleet(dir, nats, remote);
    fleet.cluster = opts.cluster ?? null;
    fleet.controllerExtra = opts.controller ?? {};
    if (opts.captureLogs) fleet.log = createLogger("test", { level: "debug", destination: new Writable({ write: (chunk, _enc, done) => (fleet.logs.push(String(chunk)), done()) }) });
    await fleet.startController();
    await fleet.issueTokens(HOSTS);
    if (opts.startAgents !== false) for (const h of HOSTS) fleet.startAgent(h);
    return fleet;
  }

  async startController(): Promise<void> {
    const caDir = join(this.dir, "ca");
    if (!existsSync(caDir)) await CertificateAuthority.init(caDir, { subject: [["O", "koji-fleet test"], ["CN", "Koji CA"]], keyBits: 2048 });
    this.controller = new Controller(
      controllerDefaults({
        // Long poll: tests drive syncs through the webhook route, as a git server would.
        git: { url: this.remote.bareDir, pollSeconds: 3600 },
        nats: this.natsFor("controller"),
        ...(this.cluster && { jetstream: { replicas: this.cluster.nodes.length } }),
        // Like `koji-fleet up`: tests call the API from loopback without a token.
        http: { host: "127.0.0.1", port: 0, allowUnauthenticatedLoopback: true },
        stateDir: join(this.dir, "controller"),
        ca: { dir: caDir },
        ...this.controllerExtra,
      }),
      { log: this.log },
    );
    this.apiUrl = await this.controller.start();
  }

  /**
   * A controller.yaml for running the `koji-fleet controller` CLI on this fleet's git, NATS, CA
   * and state directory (shared, as on shared storage). Returns the file and the API's URL.
   */
  async writeControllerConfig(name: string, extra: Partial<ControllerConfigFile> = {}): Promise<{ file: string; url: string }> {
    const port = await freePort();
    const file = join(this.dir, `${name}.yaml`);
    await writeFile(file, JSON.stringify({
      git: { url: this.remote.bareDir, pollSeconds: 3600 },
      nats: this.natsFor("controller"),
      http: { host: "127.0.0.1", port, allowUnauthenticatedLoopback: true },
      stateDir: join(this.dir, "controller"),
      ca: { dir: join(this.dir, "ca") },
      logLevel: "warn",
      ...extra,
    }));
    return { file, url: `http://127.0.0.1:${port}` };
  }

  /** NATS client settings for a user: the single test server, or every cluster member with a password. */
  natsFor(user: string): NatsConfig {
    return this.cluster?.natsFor(user) ?? { servers: [this.nats.url], reconnectWaitMs: 100 };
  }

  /** One-time enrollment tokens, as `koji-fleet token create HOST` makes them. */
  async issueTokens(hosts: readonly string[]): Promise<void> {
    const tokens = new TokenStore(tokenFile(join(this.dir, "controller")));
    for (const host of hosts) {
      await mkdir(this.identityDir(host), { recursive: true });
      await writeFile(join(this.identityDir(host), "token"), await tokens.create(host, 3600));
    }
  }

  identityDir(host: string): string {
    return join(this.dir, "identity", host);
  }

  root(host: string): string {
    return join(this.dir, "hosts", host);
  }

  agentConfig(host: string, extra: Partial<AgentConfigFile> = {}) {
    return agentDefaults({
      host,
      nats: this.natsFor(host),
      root: this.root(host),
      sandbox: true,
      stateDir: join(this.dir, "state", host),
      heartbeatSeconds: 2,
      identityDir: this.identityDir(host),
      catalogKeyFile: join(this.identityDir(host), "catalog.pub"),
      enrollment: { tokenFile: join(this.identityDir(host), "token"), ...(this.cluster && { nats: this.natsFor("enroll") }) },
      ...extra,
    });
  }

  startAgent(host: string, extra: Partial<AgentConfigFile> = {}, deps: Partial<AgentDeps> = {}): Agent {
    const agent = new Agent(this.agentConfig(host, extra), { log: this.log.child({ host }), ...deps });
    this.agents.set(host, { agent, done: agent.run() });
    return agent;
  }

  async stopAgent(host: string): Promise<void> {
    const a = this.agents.get(host);
    if (!a) return;
    a.agent.stop();
    await a.done;
    this.agents.delete(host);
  }

  /** Push a commit and ring the webhook, as a git server would. Returns the new sha. */
  async push(message: string, files: Record<string, string | Uint8Array | null>): Promise<string> {
    const sha = await this.remote.commitAll(message, files);
    await this.hook();
    return sha;
  }

  async hook(): Promise<void> {
    const res = await fetch(`${this.apiUrl}/hooks/git`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
  }

  async api<T = unknown>(path: string): Promise<T> {
    const res = await fetch(`${this.apiUrl}${path}`);
    return (await res.json()) as T;
  }

  async hosts(): Promise<HostView[]> {
    return (await this.api<{ hosts: HostView[] }>("/api/v1/hosts")).hosts;
  }

  /** Waits until every listed host is Ready at `revision`. */
  // 30 s: a first converge generates every host's keys (7 RSA keys in one process for the
  // reference farm) and waits for the CA; under a loaded CI run that exceeded 15 s.
  async waitReady(revision: string, hosts: readonly string[] = HOSTS, timeoutMs = 30_000): Promise<HostView[]> {
    return waitFor(
      async () => {
        const views = await this.hosts();
        const behind = hosts
          .map((h) => views.find((v) => v.host === h))
          .filter((v) => !v || v.phase !== "Ready" || v.revision !== revision)
          .map((v) => (v ? `${v.host}: ${v.phase} at ${v.revision?.slice(0, 12)} (${v.conditions[0]?.reason}: ${v.conditions[0]?.message})` : "missing host"));
        // Throwing (not returning false) puts the hosts still behind into waitFor's timeout message.
        if (behind.length > 0) throw new Error(behind.join("; "));
        return views;
      },
      { timeoutMs, message: `hosts ${hosts.join(", ")} Ready at ${revision.slice(0, 12)}` },
    );
  }

  async stop(): Promise<void> {
    for (const h of [...this.agents.keys()]) await this.stopAgent(h);
    await this.controller?.stop();
    await (this.cluster ?? this.nats).stop();
    await this.remote.cleanup();
    if (process.env.KF_KEEP_TMP !== "1") await removeDir(this.dir);
  }
}

/** path → "type mode sha256" for everything under a root, to compare host trees. */
export async function snapshot(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(dir: string, rel: string): Promise<void> {
    const entries = await readdir(dir).catch(() => [] as string[]);
    for (const name of entries.sort()) {
      const abs = join(dir, name);
      const r = `${rel}/${name}`;
      const st = await lstat(abs);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out.set(r, `dir ${mode}`);
        await walk(abs, r);
      } else if (st.isSymbolicLink()) out.set(r, `link ${await readlink(abs)}`);
      else out.set(r, `file ${mode} ${createHash("sha256").update(await readFile(abs)).digest("hex")}`);
    }
  }
  await walk(root, "");
  return out;
}

export function changedPaths(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k)).sort();
}
