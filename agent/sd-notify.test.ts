// The sd_notify wrapper against a real AF_UNIX datagram socket, as systemd's NOTIFY_SOCKET
// is, with the real /usr/bin/systemd-notify. A small python3 listener binds it, since Node's
// own dgram cannot; it closes the BARRIER fds systemd-notify passes, which releases it.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotifyListener } from "../test/support/notify-listener.js";
import { createExecutor, RecordingExecutor } from "./providers/executor.js";
import { SdNotify, SYSTEMD_NOTIFY } from "./sd-notify.js";
import { makeTmpDir, removeDir } from "../test/support/tmp.js";
import { sleep, waitFor } from "../test/support/wait.js";

let dir: string;
let path: string;
let listener: NotifyListener;
/** What arrived since the last call, BARRIER=1 left out. */
const take = (): string[] => listener.messages.splice(0).filter((m) => m !== "BARRIER=1");

beforeAll(async () => {
  if (!existsSync(SYSTEMD_NOTIFY)) throw new Error(`${SYSTEMD_NOTIFY} is missing: install systemd (Debian: apt-get install systemd)`);
  dir = await makeTmpDir("kf-notify-");
  path = join(dir, "notify.sock");
  listener = await NotifyListener.bind(path);
});
afterAll(async () => {
  listener?.close();
  await removeDir(dir);
});

describe("SdNotify", () => {
  it("captures NOTIFY_SOCKET and the watchdog variables and hides them from children", () => {
    const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: path, WATCHDOG_USEC: "30000000", WATCHDOG_PID: "4242", INVOCATION_ID: "x" };
    const n = new SdNotify(new RecordingExecutor([]), env, 4242);
    expect(n.enabled).toBe(true);
    expect(n.watchdogMs).toBe(30_000);
    expect(env).toEqual({ INVOCATION_ID: "x" });
  });

  it("a watchdog meant for another pid (inherited by a child) is not ours", () => {
    expect(new SdNotify(new RecordingExecutor([]), { NOTIFY_SOCKET: path, WATCHDOG_USEC: "30000000", WATCHDOG_PID: "1" }, 4242).watchdogMs).toBe(0);
  });

  it("outside systemd every call is a no-op: nothing is spawned", async () => {
    const exec = new RecordingExecutor([]);
    const n = new SdNotify(exec, {});
    expect(await n.ready("x")).toBe(false);
    expect(n.startWatchdog(() => true)).toBeTypeOf("function");
    expect(exec.calls).toEqual([]);
  });

  it("runs systemd-notify with argv assignments and only NOTIFY_SOCKET added to its environment", async () => {
    const exec = new RecordingExecutor(() => ({ exitCode: 0 }));
    await new SdNotify(exec, { NOTIFY_SOCKET: path }).ready("waiting for a catalog\nsecond line");
    expect(exec.calls.map((c) => [c.argv, c.env])).toEqual([[[SYSTEMD_NOTIFY, "READY=1", "STATUS=waiting for a catalog second line"], { NOTIFY_SOCKET: path }]]);
  });

  it("READY, STATUS, RELOADING, STOPPING arrive on the socket", async () => {
    const n = new SdNotify(createExecutor(), { NOTIFY_SOCKET: path });
    take();
    expect(await n.ready("converged rev abc123")).toBe(true);
    expect(await n.status("converging rev def456")).toBe(true);
    expect(await n.reloading()).toBe(true);
    expect(await n.stopping()).toBe(true);
    await waitFor(() => listener.messages.filter((m) => m !== "BARRIER=1").length >= 4, { message: "4 notifications" });
    expect(take()).toEqual([
      "READY=1\nSTATUS=converged rev abc123",
      "STATUS=converging rev def456",
      "RELOADING=1\nSTATUS=reloading configuration",
      "STOPPING=1\nSTATUS=stopping",
    ]);
  });

  it("a socket nobody listens on → false, not an exception", async () => {
    expect(await new SdNotify(createExecutor(), { NOTIFY_SOCKET: join(dir, "nobody.sock") }).ready("x")).toBe(false);
  });

  it("the watchdog pings at half of WATCHDOG_USEC while healthy, and stops when unhealthy", async () => {
    const n = new SdNotify(createExecutor(), { NOTIFY_SOCKET: path, WATCHDOG_USEC: "1000000", WATCHDOG_PID: String(process.pid) });
    let healthy = true;
    take();
    const stop = n.startWatchdog(() => healthy);
    await waitFor(() => listener.messages.filter((m) => m === "WATCHDOG=1").length >= 3, { timeoutMs: 4_000, message: "3 watchdog pings" });
    healthy = false;
    await sleep(600); // a ping already spawned may still land
    take();
    await sleep(1_200);
    expect(take()).toEqual([]);
    healthy = true;
    await waitFor(() => listener.messages.includes("WATCHDOG=1"), { timeoutMs: 2_000, message: "pings again once healthy" });
    stop();
    await sleep(600);
    take();
    await sleep(1_200);
    expect(take()).toEqual([]);
  });
});
