// The daemon runner with a scripted daemon: what reaches systemd and when, SIGHUP reloads
// (a changed file restarts the daemon in place, an invalid one is refused), SIGTERM → 0.
import { EventEmitter } from "node:events";
import { Writable } from "node:stream";
import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { readAgentConfig, type AgentConfig } from "../agent/config.js";
import { RecordingExecutor } from "../agent/providers/executor.js";
import { SdNotify } from "../agent/sd-notify.js";
import { createLogger } from "../shared/log.js";
import { useTmpDirs } from "../test/support/tmp.js";
import { waitFor } from "../test/support/wait.js";
import { runDaemon, type DaemonInstance, type DaemonSpec } from "./daemon.js";

const tmp = useTmpDirs();
const CONFIG = (host: string) => `host: ${host}\nnats:\n  servers: [nats://127.0.0.1:4222]\n`;

class FakeDaemon implements DaemonInstance {
  ready: Promise<void>;
  done: Promise<void>;
  status = "waiting for a catalog";
  stopped = false;
  markReady!: () => void;
  private end!: () => void;
  fail!: (e: Error) => void;
  constructor(readonly config: AgentConfig) {
    this.ready = new Promise((r) => (this.markReady = r));
    this.done = new Promise((res, rej) => ((this.end = res), (this.fail = rej)));
  }
  healthy = () => true;
  summary = () => this.status;
  stop = async () => {
    this.stopped = true;
    this.end();
  };
}

async function setup() {
  const dir = await tmp("kf-daemon-");
  const file = join(dir, "agent.yaml");
  await writeFile(file, CONFIG("host-a"));
  const exec = new RecordingExecutor(() => ({ exitCode: 0 }));
  const sent = () => exec.calls.map((c) => c.argv.slice(1).join(" "));
  const signals = new EventEmitter();
  const daemons: FakeDaemon[] = [];
  const spec: DaemonSpec<AgentConfig> = {
    name: "test",
    read: readAgentConfig,
    logLevel: (c) => c.logLevel,
    start: (c) => {
      const d = new FakeDaemon(c);
      daemons.push(d);
      return d;
    },
  };
  let logs = "";
  const log = createLogger("test", { destination: new Writable({ write: (c, _e, cb) => ((logs += c.toString()), cb()) }) });
  const exit = runDaemon(spec, file, { notify: new SdNotify(exec, { NOTIFY_SOCKET: "/run/test.sock" }), signals, log, statusEveryMs: 20 });
  return { file, sent, signals, daemons, exit, logs: () => logs };
}

describe("runDaemon", () => {
  it("READY=1 only once the daemon is ready, STATUS= when the summary changes, SIGTERM → STOPPING=1, stop, 0", async () => {
    const t = await setup();
    await new Promise((r) => setTimeout(r, 100));
    expect(t.sent()).toEqual([]);
    t.daemons[0]!.markReady();
    await waitFor(() => t.sent().length === 1);
    t.daemons[0]!.status = "converged rev abc";
    await waitFor(() => t.sent().length === 2);
    t.signals.emit("SIGTERM");
    expect(await t.exit).toBe(0);
    expect(t.daemons[0]!.stopped).toBe(true);
    expect(t.sent()).toEqual(["READY=1 STATUS=waiting for a catalog", "STATUS=converged rev abc", "STOPPING=1 STATUS=stopping"]);
  });

  it("SIGHUP with an invalid file → refused with file:line:col, the daemon keeps running", async () => {
    const t = await setup();
    t.daemons[0]!.markReady();
    await writeFile(t.file, `${CONFIG("host-b")}rooot: /\n`);
    t.signals.emit("SIGHUP");
    await waitFor(() => t.logs().includes("reload refused"));
    expect(t.logs()).toContain(`${t.file}:4:1: /: unknown key 'rooot'`);
    expect(t.daemons).toHaveLength(1);
    expect(t.daemons[0]!.stopped).toBe(false);
    t.signals.emit("SIGTERM");
    expect(await t.exit).toBe(0);
  });

  it("SIGHUP with the same config → nothing; with a changed one → RELOADING=1, old stopped, new started, READY=1", async () => {
    const t = await setup();
    t.daemons[0]!.markReady();
    await waitFor(() => t.sent().length === 1);
    t.signals.emit("SIGHUP");
    await waitFor(() => t.logs().includes("configuration unchanged"));
    await writeFile(t.file, CONFIG("host-b"));
    t.signals.emit("SIGHUP");
    await waitFor(() => t.daemons.length === 2);
    expect(t.daemons[0]!.stopped).toBe(true);
    expect(t.daemons[1]!.config.host).toBe("host-b");
    t.daemons[1]!.markReady();
    await waitFor(() => t.sent().length === 3);
    t.signals.emit("SIGTERM");
    expect(await t.exit).toBe(0);
    expect(t.sent()).toEqual(["READY=1 STATUS=waiting for a catalog", "RELOADING=1 STATUS=reloading configuration", "READY=1 STATUS=waiting for a catalog", "STOPPING=1 STATUS=stopping"]);
  });

  it("a daemon that fails → its exit code (non-zero), so Restart=on-failure restarts it", async () => {
    const t = await setup();
    t.daemons[0]!.fail(new Error("loop broke"));
    expect(await t.exit).toBe(70);
    expect(t.logs()).toContain("loop broke");
  });
});
