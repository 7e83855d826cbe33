// The drop-in file is real (a temp root); systemctl is replayed from systemd 252 captures.
import * as fs from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../shared/log.js";
import { converge } from "../engine/converge.js";
import { RecordingExecutor, type ExpectedCall } from "../providers/executor.js";
import { daemonReloadArgv, DROPIN_PROPERTIES, showArgv, unitArgv, UNIT_PROPERTIES } from "../providers/systemd.js";
import type { AnyKind } from "./kind.js";
import { serviceKind } from "./service.js";
import { systemdDropinKind, type SystemdDropinProps } from "./systemd-dropin.js";
import { captured, filesInside } from "./testdata/systemd/testing.js";
import { EL10, expectNoopMatchesApply, kindContext, tempRoot } from "../../test/support/kinds.js";

const UNIT = "kf-demo.service";
const PATH = "/etc/systemd/system/kf-demo.service.d/koji-fleet.conf";
const CONTENT = "[Service]\nEnvironment=KF_DEMO=1\n";
const PROPS: SystemdDropinProps = { unit: UNIT, name: "koji-fleet.conf", content: CONTENT };
const showDropin = (state: string): ExpectedCall => ({ argv: showArgv(UNIT, DROPIN_PROPERTIES), result: captured(state) });
const RELOAD: ExpectedCall = { argv: daemonReloadArgv() };

let root: string;
beforeEach(() => {
  root = tempRoot();
  fs.mkdirSync(join(root, "etc/systemd/system"), { recursive: true });
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const live = (): string => join(root, PATH);
const writeLive = (content: string, mode = 0o644): void => {
  fs.mkdirSync(join(root, "etc/systemd/system/kf-demo.service.d"), { recursive: true });
  fs.writeFileSync(live(), content, { mode });
  fs.chmodSync(live(), mode);
};
function setup(calls: ExpectedCall[]) {
  const exec = new RecordingExecutor(calls);
  // root "/" (the systemd kinds accept no other), with the files of a temp tree
  return { exec, ctx: kindContext("/", { exec, sandbox: false, files: filesInside(root) }) };
}

describe("systemd-dropin", () => {
  it("missing → creates the .d dir and the file (0644), then daemon-reload; noop promised exactly that", async () => {
    const { exec, ctx } = setup([showDropin("show-dropin-none"), showDropin("show-dropin-none"), RELOAD, showDropin("show-dropin-loaded"), showDropin("show-dropin-loaded")]);
    expect(await expectNoopMatchesApply(systemdDropinKind, PROPS, ctx)).toEqual([`create ${PATH}`, "daemon-reload"]);
    expect(fs.readFileSync(live(), "utf8")).toBe(CONTENT);
    expect(fs.statSync(live()).mode & 0o7777).toBe(0o644);
    expect(fs.statSync(join(root, "etc/systemd/system/kf-demo.service.d")).mode & 0o7777).toBe(0o755);
    expect(exec.calls.map((c) => c.argv[1])).toEqual(["show", "show", "daemon-reload", "show", "show"]);
  });

  it("content or mode drift → rewritten atomically, then daemon-reload", async () => {
    writeLive("[Service]\nEnvironment=KF_DEMO=0\n", 0o600);
    const { ctx, exec } = setup([showDropin("show-dropin-loaded"), RELOAD]);
    const observed = await systemdDropinKind.observe(PROPS, ctx);
    expect(systemdDropinKind.diff(PROPS, observed)).toEqual([
      expect.stringMatching(new RegExp(`^${PATH}: content differs \\(sha256 [0-9a-f]{12}… → [0-9a-f]{12}…\\)$`)),
      `${PATH}: mode 0600 → 0644`,
      "daemon-reload",
    ]);
    await systemdDropinKind.apply(PROPS, observed, ctx);
    expect(fs.readFileSync(live(), "utf8")).toBe(CONTENT);
    expect(fs.statSync(live()).mode & 0o7777).toBe(0o644);
    expect(exec.pending).toEqual([]);
  });

  it.each([
    ["show-dropin-unloaded", `daemon-reload (systemd has not loaded koji-fleet.conf for ${UNIT})`],
    ["show-dropin-changed", `daemon-reload (${UNIT} changed on disk)`],
    ["show-dropin-loaded", undefined],
  ])("file in place, systemd says %s → %s", async (state, line) => {
    writeLive(CONTENT);
    const { ctx } = setup([showDropin(state)]);
    expect(systemdDropinKind.diff(PROPS, await systemdDropinKind.observe(PROPS, ctx))).toEqual(line ? [line] : []);
  });

  it("unit not installed yet → the file is written and reloaded, no staleness claimed afterwards", async () => {
    const props: SystemdDropinProps = { ...PROPS, unit: "httpd" };
    const notFound: ExpectedCall = { argv: showArgv("httpd.service", DROPIN_PROPERTIES), result: captured("show-dropin-not-found") };
    const { ctx } = setup([notFound, notFound, RELOAD, notFound, notFound]);
    expect(await expectNoopMatchesApply(systemdDropinKind, props, ctx)).toEqual(["create /etc/systemd/system/httpd.service.d/koji-fleet.conf", "daemon-reload"]);
  });

  it("ensure: absent → remove, daemon-reload; once gone and reloaded → nothing", async () => {
    writeLive(CONTENT);
    const props: SystemdDropinProps = { ...PROPS, ensure: "absent" };
    const { ctx } = setup([showDropin("show-dropin-loaded"), showDropin("show-dropin-loaded"), RELOAD, showDropin("show-dropin-none"), showDropin("show-dropin-none")]);
    expect(await expectNoopMatchesApply(systemdDropinKind, props, ctx)).toEqual([`remove ${PATH}`, "daemon-reload"]);
    expect(fs.existsSync(live())).toBe(false);
    const stale = setup([showDropin("show-dropin-loaded")]);
    expect(systemdDropinKind.diff(props, await systemdDropinKind.observe(props, stale.ctx))).toEqual([`daemon-reload (systemd still uses the removed koji-fleet.conf for ${UNIT})`]);
  });

  it("a directory at the path is refused; a failing daemon-reload fails the resource", async () => {
    fs.mkdirSync(live(), { recursive: true });
    const { ctx } = setup([showDropin("show-dropin-none")]);
    await expect(systemdDropinKind.observe(PROPS, ctx).then((o) => systemdDropinKind.diff(PROPS, o))).rejects.toThrow(/is a directory; refusing/);
    fs.rmdirSync(live());
    const failing = setup([showDropin("show-dropin-none"), { argv: daemonReloadArgv(), result: { exitCode: 1, stderr: "Failed to reload daemon: Access denied" } }]);
    await expect(systemdDropinKind.apply(PROPS, await systemdDropinKind.observe(PROPS, failing.ctx), failing.ctx)).rejects.toThrow(/daemon-reload exited with code 1: Failed to reload daemon: Access denied/);
  });

  it("a root other than / is refused before anything runs (its systemd is not the executor's)", async () => {
    const exec = new RecordingExecutor([]);
    await expect(systemdDropinKind.observe(PROPS, kindContext(root, { exec, sandbox: false }))).rejects.toThrow(/needs root "\/", not \//);
    await expect(serviceKind.observe({ name: UNIT }, kindContext(root, { exec, sandbox: false }))).rejects.toThrow(/service acts on the running systemd and needs root "\/"/);
    expect(exec.calls).toEqual([]);
  });

  it("summary and managed path", () => {
    expect(systemdDropinKind.summary!({ ...PROPS, unit: "kojid" })).toBe("systemd drop-in /etc/systemd/system/kojid.service.d/koji-fleet.conf");
    expect(systemdDropinKind.managedPath!(PROPS)).toBe(PATH);
  });
});

describe("drop-in notifies its service (through the engine)", () => {
  it("dropin written → daemon-reload, then the running service is restarted", async () => {
    const showUnit = (state: string): ExpectedCall => ({ argv: showArgv(UNIT, UNIT_PROPERTIES), result: captured(state) });
    const exec = new RecordingExecutor([
      showDropin("show-dropin-none"), RELOAD, showDropin("show-dropin-loaded"), // the drop-in
      showUnit("show-enabled-running"), // service observe: nothing to do
      showUnit("show-enabled-running"), { argv: unitArgv("restart", UNIT) }, showUnit("show-enabled-running"), // refresh
    ]);
    const kinds = new Map<string, AnyKind>([systemdDropinKind, serviceKind].map((k) => [k.name, k]));
    const report = await converge(
      [
        { id: "dropin", kind: "systemd-dropin", props: PROPS, requires: [], notifies: ["service"] },
        { id: "service", kind: "service", props: { name: UNIT, enabled: true, state: "running" }, requires: [], notifies: [] },
      ],
      { kinds, root: "/", sandbox: false, noop: false, files: filesInside(root), exec, log: silentLogger(), previousInventory: [], facts: EL10 },
    );
    expect(report.results.map((r) => [r.id, r.outcome, r.changes, r.error])).toEqual([
      ["dropin", "changed", [`create ${PATH}`, "daemon-reload"], undefined],
      ["service", "changed", ["restarted kf-demo.service"], undefined],
    ]);
    expect(exec.pending).toEqual([]);
  });
});
