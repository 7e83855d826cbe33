// Replays systemctl/journalctl output captured from systemd 252 (testdata/systemd) and asserts
// the exact argv each situation produces.
import { describe, expect, it } from "vitest";
import { checkProps } from "../engine/props.js";
import { RecordingExecutor, type ExecResult, type Executor, type ExpectedCall } from "../providers/executor.js";
import { daemonReloadArgv, parseUnitStatus, journalArgv, procStatusArgv, RELOAD_PROPERTIES, showArgv, unitArgv, UNIT_PROPERTIES, type UnitVerb } from "../providers/systemd.js";
import { serviceKind, ServicePropsSchema, type ServiceProps } from "./service.js";
import { captured } from "./testdata/systemd/testing.js";
import { cycle, expectNoopMatchesApply, kindContext } from "../../test/support/kinds.js";

const UNIT = "kf-demo.service";
const show = (state: string, unit = UNIT): ExpectedCall => ({ argv: showArgv(unit, UNIT_PROPERTIES), result: captured(state) });
/** The show a reload reads: its state, MainPID and ExecReload. */
const showForReload = (state: string): ExpectedCall => ({ argv: showArgv(UNIT, RELOAD_PROPERTIES), result: captured(state) });
const procStatus = (pid: number, state: string): ExpectedCall => ({ argv: procStatusArgv(pid), result: captured(state) });
const act = (verb: UnitVerb, unit = UNIT, result: ExpectedCall["result"] = {}): ExpectedCall => ({ argv: unitArgv(verb, unit), result });

function setup(calls: ExpectedCall[]) {
  const exec = new RecordingExecutor(calls);
  return { exec, ctx: kindContext("/", { exec, sandbox: false }), argv: () => exec.calls.map((c) => c.argv.slice(1).join(" ")) };
}

describe("service converge (replayed systemctl)", () => {
  it("not enabled, stopped → enable then start; noop promised exactly that", async () => {
    const { exec, ctx, argv } = setup([
      show("show-disabled-inactive"), // noop observe
      show("show-disabled-inactive"),
      act("enable"),
      act("start"),
      show("show-enabled-running"), // start verified
      show("show-enabled-running"), // engine re-observe
      show("show-enabled-running"), // second run
    ]);
    const lines = await expectNoopMatchesApply(serviceKind, { name: "kf-demo", enabled: true, state: "running" }, ctx);
    expect(lines).toEqual(["enable kf-demo.service", "start kf-demo.service"]);
    expect(argv().filter((a) => !a.startsWith("show"))).toEqual(["enable kf-demo.service", "start kf-demo.service"]);
    expect(exec.pending).toEqual([]);
  });

  it("enabled but stopped → start only", async () => {
    const { exec, ctx } = setup([show("show-enabled-inactive"), act("start"), show("show-enabled-running"), show("show-enabled-running")]);
    expect(await cycle(serviceKind, { name: UNIT, enabled: true, state: "running" }, ctx)).toEqual({ before: ["start kf-demo.service"], after: [] });
    expect(exec.pending).toEqual([]);
  });

  it("running and enabled → nothing but the one show", async () => {
    const { exec, ctx } = setup([show("show-enabled-running")]);
    const props: ServiceProps = { name: UNIT, enabled: true, state: "running" };
    expect(serviceKind.diff(props, await serviceKind.observe(props, ctx))).toEqual([]);
    expect(exec.calls.map((c) => c.argv)).toEqual([showArgv(UNIT, UNIT_PROPERTIES)]);
  });

  it("masked → unmask, enable, start (in that order)", async () => {
    const unit = "kf-masky.service";
    const { ctx, argv } = setup([show("show-masked", unit), act("unmask", unit), act("enable", unit), act("start", unit), show("show-enabled-running", unit), show("show-enabled-running", unit)]);
    expect((await cycle(serviceKind, { name: unit, enabled: true, state: "running" }, ctx)).before).toEqual(["unmask kf-masky.service", "enable kf-masky.service", "start kf-masky.service"]);
    expect(argv()).toEqual([`show ${showArgv(unit, UNIT_PROPERTIES)[2]} ${unit}`, "unmask kf-masky.service", "enable kf-masky.service", "start kf-masky.service", expect.stringMatching(/^show/), expect.stringMatching(/^show/)]);
  });

  it("runtime mask → unmask --runtime; masked: true on a running unit → stop, then mask", async () => {
    const unit = "kf-masky.service";
    let { ctx } = setup([show("show-masked-runtime", unit)]);
    expect(serviceKind.diff({ name: unit, masked: false }, await serviceKind.observe({ name: unit, masked: false }, ctx))).toEqual(["unmask kf-masky.service (runtime mask)"]);
    const running = setup([show("show-enabled-running"), act("stop"), act("mask")]);
    ({ ctx } = running);
    const props: ServiceProps = { name: UNIT, state: "stopped", masked: true };
    await serviceKind.apply(props, await serviceKind.observe(props, ctx), ctx);
    expect(running.argv().slice(1)).toEqual(["stop kf-demo.service", "mask kf-demo.service"]);
  });

  it("a masked unit stays masked when nothing asks it to run", async () => {
    const { ctx } = setup([show("show-masked", "kf-masky.service")]);
    const props: ServiceProps = { name: "kf-masky", enabled: false };
    expect(serviceKind.diff(props, await serviceKind.observe(props, ctx))).toEqual([]);
  });

  it("unit changed on disk → daemon-reload first", async () => {
    const { ctx } = setup([show("show-need-daemon-reload"), { argv: daemonReloadArgv() }, show("show-enabled-running"), show("show-enabled-running")]);
    expect((await cycle(serviceKind, { name: UNIT, state: "running" }, ctx)).before).toEqual(["daemon-reload (kf-demo.service changed on disk)"]);
  });

  it("enabled: false, stopped on a running enabled unit → disable, stop", async () => {
    const { ctx } = setup([show("show-enabled-running")]);
    const props: ServiceProps = { name: UNIT, enabled: false, state: "stopped" };
    expect(serviceKind.diff(props, await serviceKind.observe(props, ctx))).toEqual(["disable kf-demo.service", "stop kf-demo.service"]);
  });
});

describe("service failures carry the journal", () => {
  it("start exits 1 (Type=oneshot) → error has systemctl's message and the unit's journal lines", async () => {
    const unit = "kf-oneshot-fail.service";
    const { ctx, exec } = setup([show("show-static", unit), act("start", unit, captured("start-oneshot-failed.stderr")), { argv: journalArgv(unit), result: captured("journal-kf-oneshot-fail") }]);
    const err = await cycle(serviceKind, { name: unit, state: "running" }, ctx).catch((e: Error) => e);
    expect(String(err)).toMatch(/systemctl start kf-oneshot-fail.service exited with code 1: Job for kf-oneshot-fail.service failed/);
    expect(String(err)).toMatch(/last 50 journal lines of kf-oneshot-fail.service:\n.*status=1\/FAILURE\n.*Failed to start kf-oneshot-fail.service/s);
    expect(exec.pending).toEqual([]);
  });

  it("start exits 0 but the process dies at once (Type=simple) → failed state and journal lines", async () => {
    const unit = "kf-fail.service";
    const { ctx } = setup([show("show-disabled-inactive", unit), act("start", unit), show("show-failed", unit), { argv: journalArgv(unit), result: captured("journal-kf-fail") }]);
    const err = await cycle(serviceKind, { name: unit, state: "running" }, ctx).catch((e: Error) => e);
    expect(String(err)).toMatch(/start kf-fail.service: kf-fail.service is failed \(failed\) right after it\nlast 50 journal lines of kf-fail.service:\n.*Main process exited, code=exited, status=1\/FAILURE/s);
  });

  it("a Type=simple unit still shown running the instant after start, failed 100 ms later → the start is judged after it settles, and fails", async () => {
    const unit = "kf-fail.service";
    let startedAt = Infinity;
    const replay = new RecordingExecutor([{ argv: journalArgv(unit), result: captured("journal-kf-fail") }]);
    const exec: Executor = {
      async run(req) {
        const verb = req.argv[1];
        const result = (r: Partial<ExecResult>): ExecResult => ({ argv: [...req.argv], exitCode: 0, signal: null, stdout: "", stderr: "", durationMs: 1, timedOut: false, ...r });
        if (verb === "start") return (startedAt = Date.now()), result({});
        if (verb === "show") return result(captured(startedAt === Infinity ? "show-disabled-inactive" : Date.now() - startedAt < 100 ? "show-enabled-running" : "show-failed"));
        return replay.run(req);
      },
    };
    const err = await cycle(serviceKind, { name: unit, state: "running" }, kindContext("/", { exec, sandbox: false })).catch((e: Error) => e);
    expect(String(err)).toMatch(/kf-fail.service is failed \(failed\) right after it/);
  });

  it("unit not installed → enable fails with systemctl's reason and the (empty) journal", async () => {
    const unit = "httpd.service";
    const { ctx } = setup([show("show-not-found", unit), act("enable", unit, captured("enable-not-found.stderr")), { argv: journalArgv(unit), result: captured("journal-not-found") }]);
    await expect(cycle(serviceKind, { name: "httpd", enabled: true, state: "running" }, ctx)).rejects.toThrow(
      "/usr/bin/systemctl enable httpd.service exited with code 1: Failed to enable unit: Unit file httpd.service does not exist.\nlast 50 journal lines of httpd.service:\n-- No entries --",
    );
  });

  it("mask of a unit whose file is in /etc/systemd/system → systemctl's refusal is the error", async () => {
    const { ctx } = setup([show("show-enabled-inactive"), act("mask", UNIT, captured("mask-etc-unit.stderr")), { argv: journalArgv(UNIT), result: { stdout: "" } }]);
    await expect(cycle(serviceKind, { name: UNIT, masked: true }, ctx)).rejects.toThrow(
      "/usr/bin/systemctl mask kf-demo.service exited with code 1: Failed to mask unit: File /etc/systemd/system/kf-demo.service already exists.\n(no journal entries for kf-demo.service)",
    );
  });

  it("unreadable journal → the original failure is still reported", async () => {
    const { ctx } = setup([show("show-enabled-inactive"), act("start", UNIT, { exitCode: 1, stderr: "boom" }), { argv: journalArgv(UNIT), error: new Error("cannot start") }]);
    await expect(cycle(serviceKind, { name: UNIT, state: "running" }, ctx)).rejects.toThrow(/exited with code 1: boom\n\(journal unavailable: cannot start\)/);
  });
});

describe("service refresh (a notifying resource changed)", () => {
  it("running → restart; reload: true → reload; a stopped unit or state: stopped → nothing", async () => {
    const restart = setup([show("show-enabled-running"), act("restart"), show("show-enabled-running")]);
    expect(await serviceKind.refresh!({ name: UNIT, state: "running" }, restart.ctx)).toEqual(["restarted kf-demo.service"]);
    expect(restart.argv()[1]).toBe("restart kf-demo.service");
    const reload = setup([showForReload("show-reload-graceful"), act("reload"), show("show-enabled-running")]);
    expect(await serviceKind.refresh!({ name: UNIT, reload: true }, reload.ctx)).toEqual(["reloaded kf-demo.service"]);
    expect(reload.argv()[1]).toBe("reload kf-demo.service");
    const stopped = setup([show("show-enabled-inactive")]);
    expect(await serviceKind.refresh!({ name: UNIT }, stopped.ctx)).toEqual([]);
    const meantStopped = setup([]);
    expect(await serviceKind.refresh!({ name: UNIT, state: "stopped" }, meantStopped.ctx)).toEqual([]);
    expect(meantStopped.exec.calls).toEqual([]);
  });

  it("reload: true, ExecReload kill -USR1 $MAINPID and the main process handles USR1 → reload", async () => {
    const { ctx, exec } = setup([showForReload("show-reload-kill-usr1"), procStatus(4242, "proc-status-usr1-caught"), act("reload"), show("show-enabled-running")]);
    expect(await serviceKind.refresh!({ name: UNIT, state: "running", reload: true }, ctx)).toEqual(["reloaded kf-demo.service"]);
    expect(exec.pending).toEqual([]);
  });

  it("reload: true but the main process does not handle USR1 yet (kojid still logging in) → restart, never the deadly signal", async () => {
    const { ctx, exec, argv } = setup([showForReload("show-reload-kill-usr1"), procStatus(4242, "proc-status-usr1-default"), act("restart"), show("show-enabled-running")]);
    expect(await serviceKind.refresh!({ name: UNIT, state: "running", reload: true }, ctx)).toEqual([
      "restarted kf-demo.service instead of reloading it: its main process (PID 4242) does not handle SIGUSR1 yet (still starting), and a reload would kill it",
    ]);
    expect(argv()).not.toContain("reload kf-demo.service");
    expect(exec.pending).toEqual([]);
  });

  it("reload: true on a unit still activating → restart (systemd would send the queued reload the moment it is active)", async () => {
    const { ctx, exec } = setup([showForReload("show-reload-activating"), act("restart"), show("show-enabled-running")]);
    expect(await serviceKind.refresh!({ name: UNIT, reload: true }, ctx)).toEqual(["restarted kf-demo.service instead of reloading it: it is still starting (activating)"]);
    expect(exec.pending).toEqual([]);
  });

  it("the main process gone between show and its status → reload as asked (systemd reports what happened)", async () => {
    const { ctx, exec } = setup([showForReload("show-reload-kill-usr1"), { argv: procStatusArgv(4242), result: { exitCode: 1, stderr: "cat: /proc/4242/status: No such file or directory" } }, act("reload"), show("show-enabled-running")]);
    expect(await serviceKind.refresh!({ name: UNIT, reload: true }, ctx)).toEqual(["reloaded kf-demo.service"]);
    expect(exec.pending).toEqual([]);
  });

  it("a unit the apply starts needs no refresh for the same change; a running one does", () => {
    const observed = (state: string) => ({ unit: UNIT, status: parseUnitStatus(captured(state).stdout!) });
    expect(serviceKind.refreshDoneByApply!({ name: UNIT, state: "running", reload: true }, observed("show-enabled-inactive"))).toBe("not reloaded: started just now, with this configuration");
    expect(serviceKind.refreshDoneByApply!({ name: UNIT, state: "running" }, observed("show-failed"))).toBe("not restarted: started just now, with this configuration");
    expect(serviceKind.refreshDoneByApply!({ name: UNIT, state: "running", enabled: true }, observed("show-disabled-running"))).toBeNull();
    expect(serviceKind.refreshDoneByApply!({ name: UNIT, enabled: true }, observed("show-enabled-inactive"))).toBeNull();
  });

  it("changed on disk → daemon-reload before the restart", async () => {
    const { ctx, exec } = setup([show("show-need-daemon-reload"), { argv: daemonReloadArgv() }, act("restart"), show("show-enabled-running")]);
    expect(await serviceKind.refresh!({ name: UNIT }, ctx)).toEqual(["daemon-reload (kf-demo.service changed on disk)", "restarted kf-demo.service"]);
    expect(exec.pending).toEqual([]);
  });
});

describe("service props", () => {
  it.each([
    [{ name: "httpd" }, true],
    [{ name: "kojid@builder1.service", reload: true }, true],
    [{ name: "mnt-koji.mount", enabled: true }, true],
    [{ name: "--root=/tmp" }, false],
    [{ name: "multi-user.target" }, false],
    [{ name: "httpd", state: "restarted" }, false],
  ])("%j valid: %s", (props, ok) => expect(checkProps(ServicePropsSchema, props) === null).toBe(ok));

  it("masked: true with state: running is refused before any command runs", async () => {
    const { ctx, exec } = setup([]);
    await expect(serviceKind.observe({ name: UNIT, masked: true, state: "running" }, ctx)).rejects.toThrow(/masked: true contradicts/);
    expect(exec.calls).toEqual([]);
  });

  it("summary names the unit and what is wanted", () => {
    expect(serviceKind.summary!({ name: "kojid", enabled: true, state: "running" })).toBe("service kojid.service (enabled, running)");
    expect(serviceKind.summary!({ name: "httpd.service" })).toBe("service httpd.service");
  });
});
