// Clean failure and shutdown, through the real binary (bin/koji-fleet.js over the built dist/):
// `up` on a busy port, `up` and `npm start` stopped by a signal, and daemons that cannot reach
// NATS. Each checks /proc afterwards: nothing the command started may be left running.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:net";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { useTmpDirs } from "./support/tmp.js";
import { waitFor } from "./support/wait.js";
import { freePort } from "./support/net.js";
import { alive, descendants, processesMentioning } from "./support/process-tree.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "bin/koji-fleet.js");
const tmp = useTmpDirs();
const started: ChildProcess[] = [];
afterAll(() => started.forEach((p) => p.kill("SIGKILL")));

interface Running {
  proc: ChildProcess;
  out: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

function start(cmd: string, args: string[], cwd: string): Running {
  const t0 = Date.now();
  const proc = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  started.push(proc);
  let out = "";
  proc.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  proc.stderr!.on("data", (b: Buffer) => (out += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal, ms: Date.now() - t0 })));
  return { proc, out: () => out, exited };
}

const apiLine = (r: Running) => waitFor(() => /API:\s+(http:\/\/\S+)\/api\/v1\/fleet/.exec(r.out())?.[1], { timeoutMs: 30_000, message: `API line in:\n${r.out()}` });

/** Nothing started from `dir` is left, and none of `pids` lives. */
async function nothingLeft(dir: string, pids: number[]): Promise<void> {
  await waitFor(() => processesMentioning(dir).length === 0 && pids.every((p) => !alive(p)), {
    timeoutMs: 10_000,
    message: `left running: ${JSON.stringify(processesMentioning(dir))}, pids ${pids.filter(alive).join(", ")}`,
  });
}

describe("koji-fleet up: clean failure and shutdown", { timeout: 90_000 }, () => {
  let busy: Server | null = null;
  afterAll(() => busy?.close());

  it("a busy --port: exits 12 within seconds naming the port and --port, and leaves no nats-server", async () => {
    busy = createServer();
    const port = await new Promise<number>((resolve) => busy!.listen(0, "127.0.0.1", () => resolve((busy!.address() as { port: number }).port)));
    const dir = await tmp();
    const r = start(process.execPath, [BIN, "up", "--port", String(port), "--dir", join(dir, "kf")], dir);
    const { code, ms } = await r.exited;
    expect(code, r.out()).toBe(12);
    expect(ms).toBeLessThan(10_000);
    expect(r.out()).toContain(`KF_ERR_CONFLICT: cannot serve the API on 127.0.0.1:${port}: the address is already in use`);
    expect(r.out()).toContain("--port");
    // It never got to reconcile, let alone roll out.
    expect(r.out()).not.toMatch(/rollout-started|revision-accepted/);
    await nothingLeft(dir, []);
  });

  it.each(["SIGTERM", "SIGINT"] as const)("%s: agents, controller and nats-server stop, exit 0, no process left", async (signal) => {
    const dir = await tmp();
    const r = start(process.execPath, [BIN, "up", "--port", "0", "--dir", join(dir, "kf")], dir);
    await apiLine(r);
    const tree = descendants(r.proc.pid!);
    expect(processesMentioning(dir).some((p) => p.cmdline.startsWith("/") && p.cmdline.includes("nats-server"))).toBe(true);
    r.proc.kill(signal);
    expect((await r.exited).code).toBe(0);
    expect(r.out()).toContain("stopping…");
    await nothingLeft(dir, tree);
  });

  it("npm start: SIGTERM to npm reaches the fleet, which stops; no child of npm is left", async () => {
    const dir = await tmp();
    // --ignore-scripts skips prestart (the build, done already); `start` itself runs as users run it.
    const r = start("npm", ["start", "--ignore-scripts", "--", "--port", "0", "--dir", join(dir, "kf")], ROOT);
    await apiLine(r);
    const tree = descendants(r.proc.pid!);
    expect(tree.length).toBeGreaterThanOrEqual(2); // koji-fleet (sh exec'd into node) and nats-server
    r.proc.kill("SIGTERM");
    await r.exited;
    expect(r.out()).toContain("stopping…");
    await nothingLeft(dir, tree);
  });
});

describe("daemons that cannot reach NATS say so", { timeout: 60_000 }, () => {
  it("controller: a warning per failed attempt with the address and the reason; /readyz explains", async () => {
    const dir = await tmp();
    const [nats, http] = [await freePort(), await freePort()];
    const config = join(dir, "controller.yaml");
    await writeFile(config, `git:\n  url: ${dir}/repo\nnats:\n  servers: [nats://127.0.0.1:${nats}]\n  reconnectWaitMs: 500\nhttp:\n  port: ${http}\nstateDir: ${dir}/state\n`);
    const r = start(process.execPath, [BIN, "controller", "--config", config], dir);
    try {
      const warnings = () => r.out().split("\n").filter((l) => l.includes('"level":40') && l.includes(`cannot connect to NATS at nats://127.0.0.1:${nats}: connection refused`));
      await waitFor(() => warnings().length >= 2, { timeoutMs: 4_000, message: `two warnings in:\n${r.out()}` });
      const ready = await fetch(`http://127.0.0.1:${http}/readyz`);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("KF_ERR_NOT_READY");
      expect(body.error.message).toMatch(new RegExp(`^NATS unreachable since \\S+: cannot connect to NATS at nats://127\\.0\\.0\\.1:${nats}: connection refused`));
      expect((await fetch(`http://127.0.0.1:${http}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${http}/api/v1/hosts`)).status).toBe(503);
    } finally {
      r.proc.kill("SIGTERM");
    }
    expect((await r.exited).code).toBe(0);
  });

  it("agent: a warning per failed attempt with the address and the reason", async () => {
    const dir = await tmp();
    const nats = await freePort();
    const config = join(dir, "agent.yaml");
    await writeFile(config, `host: cs10-koji-03\nnats:\n  servers: [nats://127.0.0.1:${nats}]\n  reconnectWaitMs: 500\nroot: ${dir}/root\nsandbox: true\nstateDir: ${dir}/state\nidentityDir: ${dir}/identity\ncatalogKeyFile: ${dir}/catalog.pub\n`);
    const r = start(process.execPath, [BIN, "agent", "--config", config], dir);
    try {
      const warnings = () => r.out().split("\n").filter((l) => l.includes('"level":40') && l.includes(`cannot connect to NATS at nats://127.0.0.1:${nats}: connection refused`));
      await waitFor(() => warnings().length >= 2, { timeoutMs: 4_000, message: `two warnings in:\n${r.out()}` });
    } finally {
      r.proc.kill("SIGTERM");
    }
    expect((await r.exited).code).toBe(0);
  });
});
