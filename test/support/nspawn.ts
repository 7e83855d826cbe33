// A real systemd (Debian bookworm, systemd 252) booted as PID 1 of a systemd-nspawn container,
// for tests of the systemd kinds (docs/testing.md, e2e lane). The debootstrap root is built once into a
// cache and booted with --volatile=overlay: the cache is the read-only lower layer and every
// write lands in a tmpfs that dies with the container, so nothing is copied (cp -a of the
// 241 MB root took 0.5–4.4 s) and a killed run leaves nothing behind (--ephemeral copies the
// tree next to the cache and leaves it there when killed). Commands reach the container
// through `nsenter -a`: machinectl and `systemd-run -M` need a host systemd, which CI lacks.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createExecutor, type ExecRequest, type ExecResult, type Executor } from "../../agent/providers/executor.js";
import type { Files } from "../../agent/providers/files.js";
import { filesInside } from "../../agent/kinds/testdata/systemd/testing.js";
import { sleep, waitFor } from "./wait.js";

export const CACHE_DIR = process.env.KF_NSPAWN_CACHE ?? "/var/cache/koji-fleet-test";
export const ROOTFS = join(CACHE_DIR, "bookworm-rootfs");
const LOCK = `${ROOTFS}.lock`;
const host = createExecutor();

async function must(argv: [string, ...string[]], timeoutMs = 60_000): Promise<ExecResult> {
  const r = await host.run({ argv, timeoutMs });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} failed (${r.timedOut ? "timed out" : `exit ${r.exitCode}`}): ${(r.stderr || r.stdout).trim().slice(-2000)}`);
  return r;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** mkdir is atomic: the first run holds the lock, others wait; a dead holder's lock is taken over. */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      await mkdir(LOCK);
      await writeFile(join(LOCK, "pid"), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number(await readFile(join(LOCK, "pid"), "utf8").catch(() => "0"));
      if (holder > 0 && !alive(holder)) await rm(LOCK, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`${LOCK} held by pid ${holder} for 15 min`);
      else await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

/** The cached root; built (about 35 s) when missing. Returns how long the build took, 0 if cached. */
export async function ensureRootfs(): Promise<number> {
  if (existsSync(ROOTFS)) return 0;
  await mkdir(CACHE_DIR, { recursive: true });
  return withLock(async () => {
    if (existsSync(ROOTFS)) return 0; // another run built it while we waited
    const started = performance.now();
    const partial = `${ROOTFS}.partial`; // renamed only when complete: a crashed build is never reused
    await rm(partial, { recursive: true, force: true });
    await must(["debootstrap", "--variant=minbase", "--include=systemd-sysv,dbus", "bookworm", partial], 15 * 60_000);
    await rename(partial, ROOTFS);
    return Math.round(performance.now() - started);
  });
}

export interface Container {
  /** The container's / as the host sees it (/proc/<init>/root, the overlay). */
  readonly root: string;
  /** Files as the container sees them: give kinds root "/" and these, as the agent inside would run. */
  readonly files: Files;
  /** PID (host view) of the container's systemd. */
  readonly initPid: number;
  /** Runs every argv inside the container (`nsenter -t <init> -a …`). */
  readonly exec: Executor;
  readonly timings: { rootfsBuildMs: number; bootMs: number };
  /** Runs a command in the container; rejects unless it exits 0. */
  sh(...argv: [string, ...string[]]): Promise<string>;
  /** Console output so far (boot messages), for failure reports. */
  console(): string;
  /** poweroff, SIGKILL after 10 s. Safe to call twice. */
  stop(): Promise<void>;
}

/** Init pid = nspawn's child once it has exec'ed systemd (before that it is an nspawn fork). */
async function initPidOf(nspawn: ChildProcess, exited: Promise<void>): Promise<number> {
  const found = waitFor(
    async () => {
      const children = await readFile(`/proc/${nspawn.pid}/task/${nspawn.pid}/children`, "utf8").catch(() => "");
      for (const pid of children.split(/\s+/).filter(Boolean).map(Number)) {
        if ((await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "")).trim() === "systemd") return pid;
      }
      return 0;
    },
    { timeoutMs: 20_000, message: "the container's systemd to start" },
  );
  // An nspawn that gives up (not an OS tree, no permission…) fails at once, not at the timeout.
  const died = exited.then(() => Promise.reject(new Error(`systemd-nspawn exited with ${nspawn.exitCode ?? nspawn.signalCode}`)));
  // The loser of the race rejects later (the exit at poweroff, a poll timing out): not an error.
  died.catch(() => undefined);
  found.catch(() => undefined);
  return Promise.race([found, died]);
}

const running = new Set<() => void>();
let hooked = false;
/** A dying test worker must not leave a container behind. */
function trackKill(kill: () => void): () => void {
  running.add(kill);
  if (!hooked) {
    hooked = true;
    process.on("exit", () => running.forEach((k) => k()));
    process.once("SIGTERM", () => process.exit(143));
  }
  return () => running.delete(kill);
}

/**
 * Boots the cached root with a throwaway overlay. `prepare` then writes into it (unit files…)
 * under the root it is given, and systemd is told with a daemon-reload.
 */
export async function bootContainer(prepare?: (root: string) => Promise<void>): Promise<Container> {
  if (process.getuid?.() !== 0) throw new Error("systemd container tests need root (systemd-nspawn, nsenter)");
  const rootfsBuildMs = await ensureRootfs();
  const started = performance.now();
  const name = `kf-test-${process.pid}-${Math.floor(started)}`;
  const argv = ["-D", ROOTFS, "--volatile=overlay", "-b", "--register=no", "--keep-unit", "--console=read-only", "-M", name];
  const nspawn = spawn("systemd-nspawn", argv, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (c: Buffer) => (output = (output + c.toString("utf8")).slice(-20_000));
  nspawn.stdout!.on("data", keep);
  nspawn.stderr!.on("data", keep);
  nspawn.once("error", (e) => (output += `\nspawn error: ${e.message}`));
  const exited = new Promise<void>((resolve) => nspawn.once("exit", () => resolve()));
  let initPid = 0;
  const kill = () => {
    if (nspawn.exitCode !== null || nspawn.signalCode !== null) return;
    try {
      if (initPid > 0) process.kill(initPid, "SIGKILL"); // ends the whole pid namespace
    } catch {
      // already gone
    }
    nspawn.kill("SIGKILL");
  };
  const untrack = trackKill(kill);
  const stop = async () => {
    if (nspawn.exitCode === null && nspawn.signalCode === null) {
      if (initPid > 0) await host.run({ argv: ["nsenter", "-t", String(initPid), "-a", "systemctl", "poweroff"], timeoutMs: 10_000 }).catch(() => undefined);
      const timer = setTimeout(kill, 10_000);
      await exited;
      clearTimeout(timer);
    }
    untrack();
  };
  const fail = async (err: unknown): Promise<never> => {
    await stop();
    throw new Error(`container ${name} is not usable: ${(err as Error).message}\n--- console ---\n${output.slice(-3000)}`);
  };

  try {
    initPid = await initPidOf(nspawn, exited);
  } catch (err) {
    return fail(err);
  }
  const prefix = ["nsenter", "-t", String(initPid), "-a"];
  const exec: Executor = { run: (req: ExecRequest) => host.run({ ...req, argv: [...prefix, ...req.argv] as [string, ...string[]] }) };
  const sh = async (...argv: [string, ...string[]]): Promise<string> => (await must([...prefix, ...argv] as [string, ...string[]])).stdout.trim();
  // Until systemd has opened its private socket systemctl cannot connect: retry until it
  // answers. "degraded" (exit 1) is still a booted system: some units do not fit a container.
  try {
    await waitFor(
      async () => {
        const r = await exec.run({ argv: ["systemctl", "is-system-running", "--wait"], timeoutMs: 30_000 });
        const state = r.stdout.trim();
        if (state === "running" || state === "degraded") return state;
        throw new Error(`is-system-running says '${state}' ${r.stderr.trim()}`);
      },
      { timeoutMs: 60_000, intervalMs: 100, message: "systemd to finish booting" },
    );
  } catch (err) {
    return fail(err);
  }
  const bootMs = Math.round(performance.now() - started);
  const root = `/proc/${initPid}/root`;
  try {
    await prepare?.(root);
    await sh("systemctl", "daemon-reload");
  } catch (err) {
    return fail(err);
  }
  return { root, files: filesInside(root), initPid, exec, sh, console: () => output, stop, timings: { rootfsBuildMs, bootMs } };
}

