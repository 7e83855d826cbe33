// A farm host stood up on this machine without touching it: a holder process in new network
// and mount namespaces (unshare, no /run/netns entry), entered with nsenter for every command.
// Its addresses exist only inside; overlays on /etc, /usr, … keep what is written there private,
// so a test uses the real paths (/etc/koji-hub/hub.conf) while this machine's stay as they are.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdir, readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { createExecutor, type Executor } from "../../agent/providers/executor.js";
import { waitFor } from "./wait.js";

const run = promisify(execFile);

export interface NsHost {
  readonly name: string;
  /** The holder's pid: nsenter -t <pid>. */
  readonly pid: number;
  /** argv run inside the host's network (and mount, when it has one) namespace. */
  argv(argv: readonly string[]): string[];
  /** Runs argv inside; rejects with its stderr on a non-zero exit. */
  exec(argv: readonly string[], opts?: { env?: NodeJS.ProcessEnv }): Promise<{ stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

/** Holders and forwarders still running: killed if the test process exits without stopping them. */
const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

/** Fails (never skips) where namespaces cannot be made: the lane needs root with CAP_SYS_ADMIN. */
export async function requireNamespaces(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("this lane makes network and mount namespaces: run it as root");
  await run("unshare", ["--net", "--mount", "true"]).catch((err: Error) => {
    throw new Error(`unshare --net --mount failed (a container without CAP_SYS_ADMIN?): ${err.message}`);
  });
}

/** A host with its own network namespace; `mount` adds a private mount namespace. */
export async function startNsHost(name: string, opts: { mount: boolean }): Promise<NsHost> {
  const flags = ["--net", ...(opts.mount ? ["--mount", "--propagation", "private"] : [])];
  // `sleep infinity` holds the namespaces; it dies in stop() or with us (exit hook).
  const holder = spawn("unshare", [...flags, "sleep", "infinity"], { stdio: "ignore" });
  children.add(holder);
  const exited = new Promise<void>((resolve) => holder.once("exit", () => resolve()));
  const host: NsHost = {
    ...attachNsHost(name, holder.pid!, opts),
    async stop() {
      children.delete(holder);
      // Daemons started inside (httpd, kojid…) are not the holder's children: end them first.
      if (holder.exitCode === null && holder.signalCode === null) {
        await killInside(holder.pid!);
        holder.kill("SIGKILL");
      }
      await exited;
    },
  };
  // unshare execs sleep only after making the namespaces and the mounts private: before that,
  // a mount made inside could still propagate out here.
  await waitFor(async () => (await readFile(`/proc/${holder.pid}/comm`, "utf8").catch(() => "")) === "sleep\n", { timeoutMs: 5_000, message: `namespaces of ${name}` });
  await host.exec(["ip", "link", "set", "lo", "up"]);
  return host;
}

/** A handle on a host another process started (its holder's pid); stop() is left to the owner. */
export function attachNsHost(name: string, pid: number, opts: { mount: boolean }): NsHost {
  const nsFlags = ["-n", ...(opts.mount ? ["-m"] : [])];
  const host: NsHost = {
    name,
    pid,
    argv: (argv) => ["nsenter", "-t", String(pid), ...nsFlags, "--", ...argv],
    async exec(argv, o = {}) {
      const [cmd, ...args] = host.argv(argv);
      try {
        return await run(cmd!, args, { env: o.env ?? process.env, maxBuffer: 16 << 20 });
      } catch (err) {
        const e = err as { stderr?: string; stdout?: string; message: string };
        throw new Error(`${name}: ${argv.join(" ")} failed: ${e.stderr || e.stdout || e.message}`);
      }
    },
    stop: () => Promise.reject(new Error(`${name} is stopped by the process that started it`)),
  };
  return host;
}

/** SIGKILLs every process in `holder`'s network namespace but the holder itself. */
async function killInside(holder: number): Promise<void> {
  const ns = await readlink(`/proc/${holder}/ns/net`).catch(() => null);
  if (ns === null) return;
  for (const entry of await readdir("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === holder || pid === process.pid) continue;
    if ((await readlink(`/proc/${pid}/ns/net`).catch(() => null)) !== ns) continue;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** A veth pair between two hosts, `a` and `b` getting their addresses on it (one /24). */
export async function link(a: NsHost, aAddress: string, b: NsHost, bAddress: string): Promise<void> {
  // Made inside `a` with its peer moved straight into `b`: no interface ever exists out here.
  await a.exec(["ip", "link", "add", "kf0", "type", "veth", "peer", "name", "kf0", "netns", String(b.pid)]);
  for (const [h, addr] of [[a, aAddress], [b, bAddress]] as const) {
    await h.exec(["ip", "addr", "add", `${addr}/24`, "dev", "kf0"]);
    await h.exec(["ip", "link", "set", "kf0", "up"]);
  }
}

/**
 * Overlays `dirs` (e.g. /etc) inside the host's mount namespace, their upper layers under
 * `layers/<dir>`: files put there before the mount show at the real paths, inside only.
 */
export async function overlay(host: NsHost, layers: string, dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) {
    const [upper, work] = [join(layers, "upper", dir), join(layers, "work", dir)];
    await mkdir(upper, { recursive: true });
    await mkdir(work, { recursive: true });
    await host.exec(["mount", "-t", "overlay", "overlay", "-o", `lowerdir=${dir},upperdir=${upper},workdir=${work}`, dir]);
  }
}

/** Where a file at `path` inside the host is put before overlay() mounts its layers. */
export const upperPath = (layers: string, path: string): string => join(layers, "upper", path);

/**
 * A unix socket out here that reaches `address:port` inside the host (a forwarder node process
 * in its namespace): tests talk to a daemon at its farm address without an address out here.
 */
export async function forward(host: NsHost, socket: string, address: string, port: number): Promise<{ stop(): Promise<void> }> {
  const code = `const net=require("net");net.createServer((c)=>{const t=net.connect(${port},${JSON.stringify(address)});c.pipe(t).pipe(c);c.on("error",()=>t.destroy());t.on("error",()=>c.destroy())}).listen(${JSON.stringify(socket)},()=>console.log("ready"))`;
  const [cmd, ...args] = host.argv([process.execPath, "-e", code]);
  const child = spawn(cmd!, args, { stdio: ["ignore", "pipe", "inherit"] });
  children.add(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`forwarder into ${host.name} exited with ${code}`)));
  });
  return {
    async stop() {
      children.delete(child);
      if (child.exitCode === null) {
        child.kill("SIGKILL");
        await new Promise((r) => child.once("exit", r));
      }
    },
  };
}

/** An executor whose commands run inside `host`'s namespaces: the agent's view of that host. */
export const inside = (host: NsHost, real: Executor = createExecutor()): Executor => ({
  run: (req) => real.run({ ...req, argv: host.argv(req.argv) as [string, ...string[]] }),
});
