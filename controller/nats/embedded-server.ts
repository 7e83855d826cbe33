// Runs a real nats-server child process (JetStream on, loopback only) for `koji-fleet up`
// and for the tests. Restarts reuse the same port and store, like a real server restart.
import { spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:fs";
import { access, mkdir, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { FleetError } from "../../shared/errors.js";

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** pid of the current process; 0 while stopped. */
  readonly pid: number;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL: a crash, store kept. */
  kill(): Promise<void>;
  /** Start again after stop/kill, on the same port and store. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /**
   * Rewrites the config and has the running server reload it (SIGHUP); settles once it did.
   * With JetStream, start it configOnly: a server given -js/-sd shuts JetStream down on reload.
   */
  reload(config: string): Promise<void>;
}

export interface NatsServerOptions {
  storeDir: string;
  /** Extra nats-server configuration text (users, TLS, cluster…). */
  config?: string;
  /** Default: a free port chosen by the server. */
  port?: number;
  /** Listen address. Default 127.0.0.1; tests with network namespaces listen wider. */
  host?: string;
  /** Run `nats-server -c FILE` only, as in production: config holds listen, jetstream, cluster. */
  configOnly?: boolean;
}

const READY_MS = 5_000;
const STOP_MS = 5_000;
const RELOAD_MS = 5_000;
const STDERR_KEEP = 16_384;
const LISTEN_RE = /Listening for client connections on [\d.]+:(\d+)/;

export async function findNatsServer(): Promise<string> {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin", "/usr/local/bin"];
  for (const dir of dirs.filter(Boolean)) {
    const bin = join(dir, "nats-server");
    if (await access(bin, constants.X_OK).then(() => true, () => false)) return bin;
  }
  throw new FleetError(
    "KF_ERR_NATS",
    "nats-server not found on PATH or in /usr/sbin; install it: apt-get install nats-server (Debian/Ubuntu) or dnf install nats-server (Fedora/EPEL)",
  );
}

export async function startNatsServer(opts: NatsServerOptions): Promise<NatsServer> {
  const bin = await findNatsServer();
  let port = opts.port ?? -1;
  let config = opts.config;
  let proc: ChildProcess | null = null;
  const confFile = join(opts.storeDir, "nats.conf");
  // A parent that dies without stop() must not leave a server behind.
  const reap = (): void => void proc?.kill("SIGKILL");

  const launch = async (): Promise<void> => {
    if (proc) throw new Error(`nats-server already running (pid ${proc.pid})`);
    await mkdir(opts.storeDir, { recursive: true });
    const args = opts.configOnly ? [] : ["-a", opts.host ?? "127.0.0.1", "-p", String(port), "-js", "-sd", join(opts.storeDir, "jetstream")];
    if (opts.configOnly && config === undefined) throw new Error("configOnly needs a config");
    if (config !== undefined) {
      // it may hold passwords
      await writeFile(confFile, config, { mode: 0o600 });
      args.push("-c", confFile);
    }
    const started = await spawnReady(bin, args);
    proc = started.proc;
    port = started.port;
    proc.once("exit", () => {
      proc = null;
      process.off("exit", reap);
    });
    process.on("exit", reap);
  };

  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const p = proc;
    if (!p) return;
    const exited = new Promise<void>((r) => p.once("exit", () => r()));
    p.kill(signal);
    const timer = setTimeout(() => p.kill("SIGKILL"), STOP_MS);
    await exited.finally(() => clearTimeout(timer));
  };

  await launch();
  return {
    get url() {
      return `nats://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    storeDir: opts.storeDir,
    get pid() {
      return proc?.pid ?? 0;
    },
    stop: () => terminate("SIGTERM"),
    kill: () => terminate("SIGKILL"),
    start: launch,
    async restart() {
      await terminate("SIGTERM");
      await launch();
    },
    async reload(text) {
      const p = proc;
      if (!p || config === undefined) throw new Error("reload: nats-server is not running, or was started without a config");
      config = text;
      await writeFile(confFile, text, { mode: 0o600 });
      await reloaded(p);
    },
  };
}

/** SIGHUP, then the server's word on it: reloaded, or why not. */
function reloaded(p: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    const done = (err?: Error): void => {
      clearTimeout(timer);
      p.stderr!.off("data", onData);
      if (err) reject(err);
      else resolve();
    };
    const onData = (chunk: string): void => {
      out += chunk;
      const failed = /Failed to reload server configuration: (.*)/.exec(out);
      if (failed) done(new FleetError("KF_ERR_NATS", `nats-server refused the new configuration: ${failed[1]}`));
      else if (out.includes("Reloaded server configuration")) done();
    };
    const timer = setTimeout(() => done(new FleetError("KF_ERR_NATS", `nats-server did not reload within ${RELOAD_MS} ms`)), RELOAD_MS);
    p.stderr!.on("data", onData);
    p.kill("SIGHUP");
  });
}

/** Spawns nats-server and resolves once it listens and says it is ready. */
function spawnReady(bin: string, args: string[]): Promise<{ proc: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    let port = 0;
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      proc.kill("SIGKILL");
      reject(new FleetError("KF_ERR_NATS", `nats-server ${why}\ncommand: ${bin} ${args.join(" ")}\nstderr:\n${stderr}`));
    };
    const timer = setTimeout(() => fail(`not ready within ${READY_MS} ms`), READY_MS);
    proc.once("error", (e) => fail(`could not be spawned: ${e.message}`));
    proc.once("exit", (code, sig) => fail(`exited before it was ready (code ${code}, signal ${sig})`));
    // Keep draining stderr for the server's whole life: a full pipe would block its logging.
    proc.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP);
      if (settled) return;
      port ||= Number(LISTEN_RE.exec(stderr)?.[1] ?? 0);
      if (port && stderr.includes("Server is ready")) {
        settled = true;
        clearTimeout(timer);
        resolve({ proc, port });
      }
    });
  });
}
