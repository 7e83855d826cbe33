// The lane's whole farm: the five hosts of gitops/fleet.yaml as network + mount namespaces at
// their addresses on one bridge, each running the real koji-fleet agent (bin/koji-fleet.js, as
// root, sandbox off) on its real catalog, with the platform tools Debian lacks stood in for at
// their real paths (platform.ts). The controller and nats-server run on the hub host, as the
// reference farm would run them; the git repository is a real bare repository pushed to.
// Nothing is written to this machine's /etc, /usr, /var… and no address exists out here.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { chmod, chown, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CertificateAuthority } from "../../controller/ca/authority.js";
import { TokenStore, tokenFile } from "../../controller/ca/tokens.js";
import { PATHS } from "../../controller/compile/farm.js";
import { reference } from "../support/compiled-fleet.js";
import type { HostView } from "../../shared/api/hosts.js";
import { createRemote, openRemote, type Remote } from "../support/git.js";
import { attachNsHost, forward, startNsHost, type NsHost } from "../support/netns.js";
import { waitFor } from "../support/wait.js";
import { PYTHON3, type KojiSource } from "./koji-source.js";
import { installPlatform } from "./platform.js";
import { buildMirror, MIRROR_HOST, MIRROR_PORT, withLaneMirror } from "./mirror.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(REPO, "bin", "koji-fleet.js");
const FLEET_YAML = join(REPO, "gitops", "fleet.yaml");
/** Directories private to each host (overlays); /usr last: it holds the stand-in `mount`. */
export const PRIVATE_DIRS = ["/etc", "/root", "/run", "/var", "/srv", "/mnt", "/usr"] as const;
/** Where nats-server and the controller's API listen on the hub host. */
const NATS_PORT = 4222;
const API_PORT = 8470;
/** PATH of EL's root shell: the agent runs platform tools by absolute path or by these. */
const AGENT_ENV = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin", LANG: "C.UTF-8", HOME: "/root" };


export interface FarmHost {
  readonly name: string;
  readonly address: string;
  readonly ns: NsHost;
  /** A path as this host sees it (through its mount namespace). */
  path(p: string): string;
  /** The agent's log (pino lines). */
  readonly log: string;
  /** The agent's process (out here), e.g. to pause it. */
  readonly agentPid: number;
}

/** What a test file needs to reach a farm another process (the lane's global setup) started. */
export interface FarmDescription {
  readonly dir: string;
  readonly src: KojiSource;
  readonly remoteRoot: string;
  readonly apiSocket: string;
  /** Each host's namespace holder and its agent's process. */
  readonly hosts: readonly { name: string; pid: number; agentPid: number }[];
}

export interface Farm {
  readonly dir: string;
  readonly src: KojiSource;
  readonly remote: Remote;
  readonly hosts: ReadonlyMap<string, FarmHost>;
  readonly description: FarmDescription;
  host(name: string): FarmHost;
  /** The controller's API, called from out here (over a socket forwarded into the hub host). */
  api<T = unknown>(method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Commits and pushes files to the desired-state repository and rings the webhook. */
  push(message: string, files: Record<string, string>): Promise<string>;
  /** Waits until every host reports Ready at `revision` (head when omitted). */
  waitReady(revision?: string, timeoutMs?: number): Promise<HostView[]>;
  readonly controllerLog: string;
}

export interface OwnedFarm extends Farm {
  stop(): Promise<void>;
}

const HOST_NAMES = reference().hosts.map((h) => h.name);
const addressOf = (name: string) => reference().hosts.find((h) => h.name === name)!.address;
/** The NFS stand-in's server and the hosts that mount its export (gitops/fleet.yaml's roles). */
const NFS_SERVER = "cs10-koji-02";
const NFS_CLIENTS = ["cs10-koji-00", "cs10-koji-03"];

/** A child process inside `ns`, its output appended to `log`; killed by stop() or with the namespace. */
function daemon(ns: NsHost, argv: string[], log: string, env: NodeJS.ProcessEnv): ChildProcess {
  const [cmd, ...args] = ns.argv(argv);
  const out = createWriteStream(log, { flags: "a" });
  const child = spawn(cmd!, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  return child;
}

/** The upper layer's roots take their lower's mode and owner (/root stays 0700). */
async function prepareLayers(layers: string): Promise<(p: string) => string> {
  const at = (p: string) => join(layers, "upper", p);
  for (const d of PRIVATE_DIRS) {
    const st = await stat(d).catch(() => null);
    await mkdir(at(d), { recursive: true });
    if (st) {
      await chmod(at(d), st.mode & 0o7777);
      await chown(at(d), st.uid, st.gid);
    }
  }
  return at;
}

async function put(path: string, content: string, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content, { mode });
  await chmod(path, mode);
}

/** The bridge lives in the hub's namespace; every other host gets a veth into it. */
async function wire(hosts: FarmHost[]): Promise<void> {
  const [hub, ...others] = hosts;
  await hub!.ns.exec(["ip", "link", "add", "kfbr0", "type", "bridge"]);
  await hub!.ns.exec(["ip", "addr", "add", `${hub!.address}/24`, "dev", "kfbr0"]);
  await hub!.ns.exec(["ip", "link", "set", "kfbr0", "up"]);
  for (const [i, h] of others.entries()) {
    const port = `kfp${i}`;
    await hub!.ns.exec(["ip", "link", "add", port, "type", "veth", "peer", "name", "kf0", "netns", String(h.ns.pid)]);
    await hub!.ns.exec(["ip", "link", "set", port, "master", "kfbr0"]);
    await hub!.ns.exec(["ip", "link", "set", port, "up"]);
    await h.ns.exec(["ip", "addr", "add", `${h.address}/24`, "dev", "kf0"]);
    await h.ns.exec(["ip", "link", "set", "kf0", "up"]);
  }
}

/** Mounts each host's private directories, in PRIVATE_DIRS order. */
async function mountLayers(h: FarmHost, layers: string): Promise<void> {
  // /run starts empty, as after a boot: this machine's (its PostgreSQL's socket lock, for one) stays out.
  const emptyRun = join(layers, "empty-run");
  await mkdir(emptyRun, { recursive: true });
  for (const d of PRIVATE_DIRS) {
    const [upper, work] = [join(layers, "upper", d), join(layers, "work", d)];
    await mkdir(work, { recursive: true });
    await h.ns.exec(["mount", "-t", "overlay", "overlay", "-o", `lowerdir=${d === "/run" ? emptyRun : d},upperdir=${upper},workdir=${work}`, d]);
  }
}

/** The NFS stand-in: one directory bind-mounted at /mnt/koji on the server and its clients. */
async function shareTopdir(dir: string, hosts: FarmHost[]): Promise<void> {
  const tree = join(dir, "nfs-tree");
  await mkdir(tree, { recursive: true });
  for (const h of hosts) {
    await h.ns.exec(["mkdir", "-p", PATHS.packagedTopdir]);
    await h.ns.exec(["mount", "--bind", tree, PATHS.packagedTopdir]);
  }
}

function apiCall<T>(socket: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, headers: { host: `127.0.0.1:${API_PORT}`, ...(data && { "content-type": "application/json" }) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : null) as T }));
    });
    req.on("error", reject);
    req.end(data);
  });
}

export async function startFarm(dir: string, src: KojiSource): Promise<OwnedFarm> {
  const stops: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await Promise.resolve(s()).catch(() => undefined);
  };
  try {
    const remote = await createRemote();
    const remoteRoot = dirname(remote.bareDir);
    stops.push(() => remote.cleanup());
    await remote.commitAll("the reference farm", { "fleet.yaml": withLaneMirror(await readFile(FLEET_YAML, "utf8"), addressOf(MIRROR_HOST)) });
    const mirrorRoot = join(dir, "mirror");
    await buildMirror(mirrorRoot);

    const hosts: FarmHost[] = [];
    for (const name of HOST_NAMES) {
      const ns = await startNsHost(name, { mount: true });
      stops.push(() => ns.stop());
      hosts.push(farmHost(dir, ns, 0));
    }
    await wire(hosts);
    const hub = hosts[0]!;

    // The controller's state: CA, tokens (one per host, as `koji-fleet token create` makes them).
    const controllerDir = join(dir, "controller");
    const caDir = join(dir, "ca");
    await CertificateAuthority.init(caDir, { subject: [["O", "mx-os koji lane"], ["CN", "mx-os Koji CA"]], keyBits: 2048 });
    await mkdir(controllerDir, { recursive: true });
    const tokens = new TokenStore(tokenFile(controllerDir));
    await mkdir(join(dir, "logs"), { recursive: true });

    for (const h of hosts) {
      const layers = join(dir, "hosts", h.name);
      const at = await prepareLayers(layers);
      await installPlatform(join(layers, "upper"), { kojiSrc: src.dir, nfsMounts: NFS_CLIENTS.includes(h.name) ? [PATHS.packagedTopdir] : [] });
      await put(at("/etc/hosts"), "127.0.0.1 localhost\n::1 localhost\n");
      await put(at("/etc/koji-fleet/enrollment-token"), await tokens.create(h.name, 3600), 0o600);
      await put(at("/etc/koji-fleet/agent.yaml"), JSON.stringify({
        host: h.name,
        nats: { servers: [`nats://${hub.address}:${NATS_PORT}`], reconnectWaitMs: 250 },
        enrollment: { tokenFile: "/etc/koji-fleet/enrollment-token" },
        heartbeatSeconds: 2, probeSeconds: 3, retrySeconds: 2, logLevel: "info",
      }), 0o600);
      await mountLayers(h, layers);
    }
    await shareTopdir(dir, hosts.filter((h) => h.name === NFS_SERVER || NFS_CLIENTS.includes(h.name)));

    const mirrorHost = hosts.find((h) => h.name === MIRROR_HOST)!;
    const mirror = daemon(mirrorHost.ns, [PYTHON3, "-m", "http.server", "--bind", mirrorHost.address, "--directory", mirrorRoot, String(MIRROR_PORT)], join(dir, "logs", "mirror.log"), AGENT_ENV);
    stops.push(() => void mirror.kill("SIGKILL"));

    // nats-server and the controller on the hub host.
    const nats = daemon(hub.ns, ["nats-server", "-a", hub.address, "-p", String(NATS_PORT), "-js", "-sd", join(dir, "nats")], join(dir, "logs", "nats.log"), process.env);
    stops.push(() => void nats.kill("SIGKILL"));
    const controllerConfig = join(dir, "controller.yaml");
    await put(controllerConfig, JSON.stringify({
      git: { url: remote.bareDir, pollSeconds: 3600 },
      nats: { servers: [`nats://${hub.address}:${NATS_PORT}`], reconnectWaitMs: 250 },
      http: { host: "127.0.0.1", port: API_PORT, allowUnauthenticatedLoopback: true },
      stateDir: controllerDir,
      ca: { dir: caDir },
      koji: { caFile: PATHS.caCert, adminCertFile: "/root/.koji/client.crt", intervalSeconds: 5 },
      logLevel: "info",
    }), 0o600);
    const controllerLog = join(dir, "logs", "controller.log");
    const controller = daemon(hub.ns, [process.execPath, CLI, "controller", "--config", controllerConfig], controllerLog, { ...AGENT_ENV, NODE_OPTIONS: "" });
    stops.push(() => void controller.kill("SIGKILL"));
    const apiSocket = join(dir, "api.sock");
    const forwarder = await forward(hub.ns, apiSocket, "127.0.0.1", API_PORT);
    stops.push(() => forwarder.stop());
    const api = <T>(method: "GET" | "POST", path: string, body?: unknown) => apiCall<T>(apiSocket, method, path, body);
    await waitFor(async () => (await api("GET", "/healthz").catch(() => ({ status: 0 }))).status === 200, { timeoutMs: 30_000, message: `the controller's API (log: ${controllerLog})` });

    const agentPids = new Map<string, number>();
    for (const h of hosts) {
      // nsenter without --pid execs the agent: this is its pid.
      const agent = daemon(h.ns, [process.execPath, CLI, "agent", "--config", "/etc/koji-fleet/agent.yaml"], h.log, AGENT_ENV);
      stops.push(() => void agent.kill("SIGKILL"));
      agentPids.set(h.name, agent.pid!);
    }

    return { ...attachFarm({ dir, src, remoteRoot, apiSocket, hosts: hosts.map((h) => ({ name: h.name, pid: h.ns.pid, agentPid: agentPids.get(h.name)! })) }), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function farmHost(dir: string, ns: NsHost, agentPid: number): FarmHost {
  return { name: ns.name, address: addressOf(ns.name), ns, agentPid, path: (p) => join(`/proc/${ns.pid}/root`, p), log: join(dir, "logs", `${ns.name}.log`) };
}

/** A farm started elsewhere, reached through its description. */
export function attachFarm(description: FarmDescription): Farm {
  const { dir, src, apiSocket } = description;
  const remote = openRemote(description.remoteRoot);
  const hosts = new Map(description.hosts.map(({ name, pid, agentPid }) => [name, farmHost(dir, attachNsHost(name, pid, { mount: true }), agentPid)]));
  const api = <T>(method: "GET" | "POST", path: string, body?: unknown) => apiCall<T>(apiSocket, method, path, body);
  return {
    dir, src, remote, hosts, description, api,
    controllerLog: join(dir, "logs", "controller.log"),
    host: (name) => hosts.get(name) ?? (() => { throw new Error(`no host ${name}`); })(),
    async push(message, files) {
      const sha = await remote.commitAll(message, files);
      const hook = await api("POST", "/hooks/git", {});
      if (hook.status !== 202) throw new Error(`webhook answered ${hook.status}`);
      return sha;
    },
    async waitReady(revision, timeoutMs = 180_000) {
      const want = revision ?? (await remote.git("rev-parse", "HEAD")).trim();
      // A halted rollout fails the wait: hosts coming up (services starting, kojid logging in)
      // must not halt one (the agent's start-up window, the bring-up order). It is resumed
      // first, so the failure names the hosts' state as well as the halt.
      const halts: string[] = [];
      const views = await waitFor(async () => {
        const rollout = (await api<{ phase?: string; halt?: { message: string } | null }>("GET", "/api/v1/rollouts/current")).body;
        if (rollout.phase === "Halted") {
          halts.push(rollout.halt?.message ?? "?");
          console.warn(`koji lane: the rollout halted: ${rollout.halt?.message ?? "?"}`);
          await api("POST", "/api/v1/rollouts/current/resume", {});
        }
        const views = (await api<{ hosts: HostView[] }>("GET", "/api/v1/hosts")).body.hosts;
        const behind = HOST_NAMES.map((n) => views.find((v) => v.host === n))
          .filter((v) => !v || v.phase !== "Ready" || v.revision !== want)
          .map((v) => (v ? `${v.host}: ${v.phase} at ${v.revision?.slice(0, 12)} (${v.conditions[0]?.reason}: ${v.conditions[0]?.message})` : "a host is missing"));
        if (behind.length > 0) throw new Error(behind.join("; "));
        return views;
      }, { timeoutMs, intervalMs: 500, message: `every host Ready at ${want.slice(0, 12)} (logs: ${join(dir, "logs")})` });
      if (halts.length > 0) throw new Error(`the rollout of ${want.slice(0, 12)} halted on its way: ${halts.join("; ")}`);
      return views;
    },
  };
}

/** The koji CLI on `host` as root with the farm's rendered profile. */
export const kojiOn = (h: FarmHost, ...args: string[]) =>
  h.ns.exec([PYTHON3, PATHS.kojiBin, "-p", "mx-os-koji", ...args], { env: { ...AGENT_ENV } });

