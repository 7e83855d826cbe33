import { describe, expect, it } from "vitest";
import { captured } from "../kinds/testdata/systemd/testing.js";
import { RecordingExecutor } from "./executor.js";
import {
  handlesSignal, isMasked, isRunning, isStopped, journalArgv, journalTail, needsDisable, needsEnable, normalizeUnit, parseDropInStatus, parseReloadTarget,
  parseShow, parseUnitStatus, reloadSignal, showArgv, unitArgv, UNIT_PROPERTIES, type UnitStatus,
} from "./systemd.js";

const status = (name: string): UnitStatus => parseUnitStatus(captured(name).stdout!);

describe("systemd argv", () => {
  it("builds show, unit verbs and journal argv", () => {
    expect(showArgv("httpd.service", UNIT_PROPERTIES)).toEqual([
      "/usr/bin/systemctl", "show", "--property=LoadState,ActiveState,SubState,UnitFileState,FragmentPath,NeedDaemonReload", "httpd.service",
    ]);
    expect(unitArgv("enable", "kojid.service")).toEqual(["/usr/bin/systemctl", "enable", "kojid.service"]);
    expect(unitArgv("unmask", "kojid.service", { runtime: true })).toEqual(["/usr/bin/systemctl", "unmask", "--runtime", "kojid.service"]);
    expect(journalArgv("kojid.service")).toEqual(["/usr/bin/journalctl", "-u", "kojid.service", "-n", "50", "--no-pager", "-o", "short-iso"]);
  });

  it.each([
    ["httpd", "httpd.service"],
    ["httpd.service", "httpd.service"],
    ["fstrim.timer", "fstrim.timer"],
    ["mnt-koji.mount", "mnt-koji.mount"],
    ["kojid@1", "kojid@1.service"],
  ])("unit name %s → %s", (name, unit) => expect(normalizeUnit(name)).toBe(unit));
});

describe("systemctl show parsing (captured from systemd 252)", () => {
  it.each<[string, Partial<UnitStatus>, { running: boolean; stopped: boolean; masked: boolean; enable: boolean; disable: boolean }]>([
    ["show-disabled-inactive", { activeState: "inactive", unitFileState: "disabled", fragmentPath: "/etc/systemd/system/kf-demo.service" }, { running: false, stopped: true, masked: false, enable: true, disable: false }],
    ["show-enabled-inactive", { activeState: "inactive", unitFileState: "enabled" }, { running: false, stopped: true, masked: false, enable: false, disable: true }],
    ["show-enabled-running", { activeState: "active", subState: "running", unitFileState: "enabled" }, { running: true, stopped: false, masked: false, enable: false, disable: true }],
    ["show-disabled-running", { activeState: "active", unitFileState: "disabled" }, { running: true, stopped: false, masked: false, enable: true, disable: false }],
    ["show-masked", { loadState: "masked", unitFileState: "masked" }, { running: false, stopped: true, masked: true, enable: true, disable: false }],
    ["show-masked-runtime", { loadState: "masked", unitFileState: "masked-runtime", fragmentPath: "/run/systemd/system/kf-masky.service" }, { running: false, stopped: true, masked: true, enable: true, disable: false }],
    ["show-failed", { activeState: "failed", subState: "failed" }, { running: false, stopped: true, masked: false, enable: true, disable: false }],
    ["show-static", { unitFileState: "static" }, { running: false, stopped: true, masked: false, enable: false, disable: false }],
    ["show-not-found", { loadState: "not-found", unitFileState: "", fragmentPath: "" }, { running: false, stopped: true, masked: false, enable: true, disable: false }],
    ["show-need-daemon-reload", { needDaemonReload: true, activeState: "active" }, { running: true, stopped: false, masked: false, enable: false, disable: true }],
  ])("%s", (name, fields, want) => {
    const s = status(name);
    expect(s).toMatchObject(fields);
    expect({ running: isRunning(s), stopped: isStopped(s), masked: isMasked(s), enable: needsEnable(s), disable: needsDisable(s) }).toEqual(want);
  });

  it("a unit waiting for its automatic restart is not running", () => {
    expect(isRunning({ ...status("show-enabled-running"), activeState: "activating", subState: "auto-restart" })).toBe(false);
    expect(isRunning({ ...status("show-enabled-running"), activeState: "activating", subState: "start" })).toBe(true);
  });

  it("values keep their '=' and a missing property means foreign output", () => {
    expect(parseShow("Environment=A=1 B=2\nLoadState=loaded\n")).toEqual({ Environment: "A=1 B=2", LoadState: "loaded" });
    expect(() => parseUnitStatus("LoadState=loaded\n")).toThrow(/printed no ActiveState/);
  });

  it("DropInPaths: none, not loaded yet, loaded, changed on disk", () => {
    const path = "/etc/systemd/system/kf-demo.service.d/koji-fleet.conf";
    expect(parseDropInStatus(captured("show-dropin-none").stdout!)).toEqual({ loadState: "loaded", dropInPaths: [], needDaemonReload: false });
    // systemd 252 does not flag a drop-in in a new .d directory: only DropInPaths tells.
    expect(parseDropInStatus(captured("show-dropin-unloaded").stdout!)).toEqual({ loadState: "loaded", dropInPaths: [], needDaemonReload: false });
    expect(parseDropInStatus(captured("show-dropin-loaded").stdout!)).toEqual({ loadState: "loaded", dropInPaths: [path], needDaemonReload: false });
    expect(parseDropInStatus(captured("show-dropin-changed").stdout!)).toEqual({ loadState: "loaded", dropInPaths: [path], needDaemonReload: true });
  });
});

describe("whom a reload signals, and whether that process survives it", () => {
  it.each<[string, { name: string; number: number } | null]>([
    ["/bin/kill -USR1 $MAINPID", { name: "USR1", number: 10 }],
    ["/usr/bin/kill -SIGHUP ${MAINPID}", { name: "HUP", number: 1 }],
    ["/bin/kill -s HUP $MAINPID", { name: "HUP", number: 1 }],
    ["/bin/kill --signal USR2 $MAINPID", { name: "USR2", number: 12 }],
    ["/bin/kill -1 $MAINPID", { name: "HUP", number: 1 }],
    ["kill -HUP $MAINPID", { name: "HUP", number: 1 }],
    // harmless unhandled (default: ignore), another PID, not kill at all
    ["/bin/kill -WINCH $MAINPID", null],
    ["/bin/kill -HUP 1", null],
    ["/usr/sbin/httpd $OPTIONS -k graceful", null],
    ["/usr/sbin/exportfs -r", null],
    ["/bin/skill -HUP $MAINPID", null],
  ])("ExecReload %s → %j", (line, want) => expect(reloadSignal(line.split(" "))).toEqual(want));

  it("reads MainPID and ExecReload from show: kojid's kill -USR1, sshd's two commands, httpd's graceful, none, not a service", () => {
    const target = (name: string) => parseReloadTarget(captured(name).stdout!);
    expect(target("show-reload-kill-usr1")).toEqual({ mainPid: 4242, signal: { name: "USR1", number: 10 } });
    expect(target("show-reload-sshd-two-commands")).toEqual({ mainPid: 612, signal: { name: "HUP", number: 1 } });
    expect(target("show-reload-graceful")).toEqual({ mainPid: 4244, signal: null });
    expect(parseReloadTarget("MainPID=0\nExecReload=\n")).toEqual({ mainPid: 0, signal: null });
    expect(parseReloadTarget("LoadState=loaded\nActiveState=active\n")).toEqual({ mainPid: 0, signal: null }); // a .mount: neither property
  });

  it("a process survives the signal only once it catches or ignores it (SigCgt, SigIgn of /proc/PID/status)", () => {
    const proc = (name: string) => captured(name).stdout!;
    expect(handlesSignal(proc("proc-status-usr1-default"), 10)).toBe(false);
    expect(handlesSignal(proc("proc-status-usr1-caught"), 10)).toBe(true);
    expect(handlesSignal(proc("proc-status-usr1-default"), 2)).toBe(true); // SIGINT ignored (a background job)
    expect(() => handlesSignal("Name:\tkojid\n", 10)).toThrow(/without SigCgt/);
  });
});

describe("journalTail (best effort)", () => {
  it("returns the captured lines under a heading", async () => {
    const exec = new RecordingExecutor([{ argv: journalArgv("kf-fail.service"), result: captured("journal-kf-fail") }]);
    const text = await journalTail(exec, "kf-fail.service");
    expect(text).toMatch(/^last 50 journal lines of kf-fail.service:\n.*Main process exited, code=exited, status=1\/FAILURE/s);
  });

  it("a journal that cannot be read says why instead of throwing", async () => {
    const failing = new RecordingExecutor([{ argv: journalArgv("x.service"), result: { exitCode: 1, stderr: "No journal files were found." } }]);
    expect(await journalTail(failing, "x.service")).toMatch(/^\(journal unavailable: .*exited with code 1: No journal files were found.\)$/);
    const missing = new RecordingExecutor([{ argv: journalArgv("x.service"), error: new Error("journalctl: cannot start: ENOENT") }]);
    expect(await journalTail(missing, "x.service")).toBe("(journal unavailable: journalctl: cannot start: ENOENT)");
  });
});
