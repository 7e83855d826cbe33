// The agent as the RPM installs it, under a real systemd 252 (Debian bookworm booted in
// systemd-nspawn, test/support/nspawn.ts): the bundle in /usr/lib/koji-fleet, the wrapper in
// /usr/bin, packaging/systemd/koji-fleet-agent.service, a config in /etc/koji-fleet. The
// container shares the host's network, so the agent reaches a nats-server this test runs on
// the host, where a signed catalog waits. Slow, never skipped: a container that cannot boot,
// or a missing tool, fails the suite with the reason.
import { execFile } from "node:child_process";
import { chmod, copyFile, cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ControllerBus } from "../controller/nats/bus.js";
import { digestOf } from "../shared/canonical.js";
import { silentLogger } from "../shared/log.js";
import type { Catalog, Resource } from "../shared/protocol.js";
import { generateSigningKeyPem, Signer } from "../shared/signing.js";
import { bootContainer, type Container } from "./support/nspawn.js";
import { startNats, type NatsHandle } from "./support/nats.js";
import { useTmpDirs } from "./support/tmp.js";
import { sleep, waitFor } from "./support/wait.js";

const REPO = new URL("..", import.meta.url).pathname;
const HOST = "kf-sd-agent";
const UNIT = "koji-fleet-agent.service";
const CONTROLLER = "koji-fleet-controller.service";
const tmp = useTmpDirs();
const signer = new Signer(generateSigningKeyPem());
const timings: Record<string, number> = {};
const since = (t: number) => Math.round(performance.now() - t);

let c: Container;
let nats: NatsHandle;

const RESOURCES: Resource[] = [
  { id: "directory:/srv/koji-fleet-test", kind: "directory", props: { path: "/srv/koji-fleet-test", mode: "0755" }, requires: [], notifies: [] },
  {
    id: "file:/srv/koji-fleet-test/hello.txt", kind: "file",
    props: { path: "/srv/koji-fleet-test/hello.txt", content: "converged by koji-fleet under systemd\n", mode: "0640" },
    requires: ["directory:/srv/koji-fleet-test"], notifies: [],
  },
];

function catalog(generation: number, resources: Resource[]): Catalog {
  const content = { host: HOST, roles: ["test"], resources, probes: [] };
  return signer.sign({ protocol: "kf.v1.catalog", revision: "abc1234def5678", generation, issuedAt: new Date().toISOString(), digest: digestOf(content), ...content });
}

async function publish(cat: Catalog): Promise<void> {
  const nc: NatsConnection = await connect({ servers: nats.url });
  try {
    await (await ControllerBus.open(nc, silentLogger())).putCatalog(cat);
  } finally {
    await nc.close();
  }
}

const agentYaml = (extra = "") => `host: ${HOST}\nnats:\n  servers: [${nats.url}]\n  reconnectWaitMs: 200\nheartbeatSeconds: 5\n${extra}`;
// No git in the container and no CA: the controller starts, serves, and logs that it cannot
// fetch, which is all the hardening check needs.
const controllerYaml = () => `git:\n  url: /srv/no-such-repo.git\n  pollSeconds: 3600\nnats:\n  servers: [${nats.url}]\nhttp:\n  host: 127.0.0.1\n  port: 0\n`;
const show = async (...props: string[]) => showUnit(UNIT, ...props);
const showUnit = async (unit: string, ...props: string[]) =>
  Object.fromEntries((await c.sh("systemctl", "show", `--property=${props.join(",")}`, unit)).split("\n").map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
const journal = () => c.sh("journalctl", "-u", UNIT, "--no-pager", "-o", "cat");

beforeAll(async () => {
  // Tools first, so a missing one is named instead of surfacing as an odd failure later.
  for (const tool of ["systemd-nspawn", "nsenter", "debootstrap"]) {
    await promisify(execFile)("sh", ["-c", `command -v ${tool}`]).catch(() => {
      throw new Error(`${tool} is missing: apt-get install systemd-container util-linux debootstrap`);
    });
  }
  let t = performance.now();
  const bundle = await tmp("kf-sd-bundle-");
  await promisify(execFile)(process.execPath, [join(REPO, "packaging/bundle.mjs"), "--outdir", bundle], { cwd: REPO });
  timings.bundleMs = since(t);

  nats = await startNats();
  await publish(catalog(1, RESOURCES));

  c = await bootContainer(async (root) => {
    // The files as the agent RPM lays them out (packaging/rpm/koji-fleet-agent.spec).
    await mkdir(join(root, "usr/lib/koji-fleet"), { recursive: true });
    await copyFile(join(bundle, "koji-fleet.mjs"), join(root, "usr/lib/koji-fleet/koji-fleet.mjs"));
    await copyFile(join(bundle, "koji-fleet.mjs.map"), join(root, "usr/lib/koji-fleet/koji-fleet.mjs.map"));
    await cp(join(bundle, "chunks"), join(root, "usr/lib/koji-fleet/chunks"), { recursive: true });
    await copyFile(join(REPO, "packaging/koji-fleet.sh"), join(root, "usr/bin/koji-fleet"));
    await chmod(join(root, "usr/bin/koji-fleet"), 0o755);
    await copyFile(join(REPO, "packaging/systemd/koji-fleet-agent.service"), join(root, "usr/lib/systemd/system", UNIT));
    await mkdir(join(root, "etc/koji-fleet"), { mode: 0o750 });
    await writeFile(join(root, "etc/koji-fleet/agent.yaml"), agentYaml(), { mode: 0o640 });
    await writeFile(join(root, "etc/koji-fleet/catalog-signing.pub"), signer.publicKeyPem);
    // The host's Node: nspawn.ts boots with a fixed argv (no --bind-ro), so it is copied into
    // the throwaway overlay instead, read-only. bookworm has the libraries it links.
    await copyFile(process.execPath, join(root, "usr/bin/node"));
    await chmod(join(root, "usr/bin/node"), 0o555);
    // Test timing only: a short watchdog and restart delay; no core files of the aborted Node.
    await mkdir(join(root, "etc/systemd/system", `${UNIT}.d`), { recursive: true });
    await writeFile(join(root, "etc/systemd/system", `${UNIT}.d/test.conf`), "[Service]\nWatchdogSec=4s\nRestartSec=1s\nLimitCORE=0\n");
    // The controller's files too, as its RPM lays them out, for the hardening check below.
    await copyFile(join(REPO, "packaging/systemd/koji-fleet-controller.service"), join(root, "usr/lib/systemd/system", CONTROLLER));
    await mkdir(join(root, "usr/lib/sysusers.d"), { recursive: true });
    await copyFile(join(REPO, "packaging/koji-fleet.sysusers"), join(root, "usr/lib/sysusers.d/koji-fleet.conf"));
    await writeFile(join(root, "etc/koji-fleet/controller.yaml"), controllerYaml(), { mode: 0o640 });
    await mkdir(join(root, "etc/systemd/system", `${CONTROLLER}.d`), { recursive: true });
    await writeFile(join(root, "etc/systemd/system", `${CONTROLLER}.d/test.conf`), "[Service]\nWatchdogSec=4s\n");
  });
  timings.bootMs = c.timings.bootMs;
  timings.rootfsBuildMs = c.timings.rootfsBuildMs;
  expect(await c.sh("/usr/bin/node", "--version")).toBe(process.version);
  expect(await c.sh("sh", "-c", "command -v systemd-notify")).toBe("/usr/bin/systemd-notify");
  t = performance.now();
}, 15 * 60_000);

afterAll(async () => {
  await c?.stop();
  await nats?.stop();
  console.log(`agent under systemd, timings (ms): ${JSON.stringify(timings)}`);
}, 60_000);

describe("koji-fleet-agent.service under a real systemd", () => {
  it("with NATS down it stays activating (no READY=1); once NATS is up it becomes active (running)", async () => {
    await nats.stop({ keepStore: true });
    // Enabled, as an admin would: [Install] works, and the unit stays loaded (not garbage
    // collected) after the stop below, so its exit status can be read.
    await c.sh("systemctl", "enable", UNIT);
    await c.sh("systemctl", "start", "--no-block", UNIT);
    await waitFor(async () => (await show("MainPID")).MainPID !== "0", { timeoutMs: 10_000, message: "the agent process" });
    await sleep(3_000); // several reconnect attempts, no READY
    expect(await show("ActiveState", "SubState")).toEqual({ ActiveState: "activating", SubState: "start" });

    const t = performance.now();
    await nats.start();
    await waitFor(async () => (await show("ActiveState")).ActiveState === "active", { timeoutMs: 20_000, message: "active after READY=1" });
    timings.natsUpToActiveMs = since(t);
    expect(await show("SubState", "NRestarts", "Type", "NotifyAccess", "WatchdogUSec")).toEqual({ SubState: "running", NRestarts: "0", Type: "notify", NotifyAccess: "all", WatchdogUSec: "4s" });
    expect(await journal()).toMatch(/"msg":"ready"/);
  }, 60_000);

  it("converges the signed catalog inside the container and says so in STATUS=", async () => {
    const t = performance.now();
    const text = await waitFor(() => readFile(join(c.root, "srv/koji-fleet-test/hello.txt"), "utf8").catch(() => ""), { timeoutMs: 20_000, message: "the catalog's file" });
    timings.activeToFileMs = since(t);
    expect(text).toBe("converged by koji-fleet under systemd\n");
    expect(await c.sh("stat", "-c", "%a %U", "/srv/koji-fleet-test/hello.txt")).toBe("640 root");
    const status = await waitFor(async () => {
      const s = (await show("StatusText")).StatusText;
      return s?.startsWith("converged rev abc1234def56") ? s : "";
    }, { timeoutMs: 15_000, intervalMs: 250, message: "StatusText converged" });
    expect(status).toBe("converged rev abc1234def56, 0 failing resource(s), 0 failing probe(s)");
    expect(await c.sh("systemctl", "status", "--no-pager", UNIT)).toMatch(/Active: active \(running\)[^]*Status: "converged rev abc1234def56/);
  }, 60_000);

  it("SIGHUP: an invalid agent.yaml is refused with file:line:col; a changed one restarts the agent in place", async () => {
    const pid = (await show("MainPID")).MainPID;
    await writeFile(join(c.root, "etc/koji-fleet/agent.yaml"), agentYaml("heartbeatSecondz: 5\n"));
    await c.sh("systemctl", "kill", "--kill-who=main", "--signal=SIGHUP", UNIT);
    await waitFor(async () => /reload refused/.test(await journal()), { timeoutMs: 10_000, message: "the refusal in the journal" });
    expect(await journal()).toContain("/etc/koji-fleet/agent.yaml:6:1: /: unknown key 'heartbeatSecondz'");

    const readies = async () => (await journal()).match(/"msg":"ready"/g)?.length ?? 0;
    const before = await readies();
    await writeFile(join(c.root, "etc/koji-fleet/agent.yaml"), agentYaml("probeSeconds: 20\n"));
    await c.sh("systemctl", "kill", "--kill-who=main", "--signal=SIGHUP", UNIT);
    await waitFor(async () => /configuration changed/.test(await journal()), { timeoutMs: 10_000, message: "the reload in the journal" });
    // RELOADING=1 holds the unit in "reloading" until the new agent's READY=1.
    await waitFor(async () => (await readies()) > before && (await show("ActiveState")).ActiveState === "active", { timeoutMs: 20_000, message: "READY again after the reload" });
    expect(await show("ActiveState", "MainPID", "NRestarts")).toEqual({ ActiveState: "active", MainPID: pid, NRestarts: "0" });
  }, 60_000);

  it("a stopped (hung) main process misses the watchdog: SIGABRT, then a restart", async () => {
    const before = await show("MainPID", "NRestarts");
    const t = performance.now();
    await c.sh("systemctl", "kill", "--kill-who=main", "--signal=SIGSTOP", UNIT);
    const after = await waitFor(async () => {
      const s = await show("MainPID", "NRestarts", "ActiveState");
      return s.NRestarts === "1" && s.MainPID !== "0" && s.MainPID !== before.MainPID && s.ActiveState === "active" ? s : null;
    }, { timeoutMs: 30_000, intervalMs: 200, message: "a watchdog restart, active again" });
    timings.sigstopToActiveAgainMs = since(t);
    expect(before.NRestarts).toBe("0");
    expect(after.NRestarts).toBe("1");
    expect(await journal()).toMatch(/Watchdog timeout \(limit 4s\)!/);
  }, 60_000);

  it("systemctl stop is clean: exit status 0, Result=success, within TimeoutStopSec", async () => {
    const t = performance.now();
    await c.sh("systemctl", "stop", UNIT);
    timings.stopMs = since(t);
    expect(await show("ActiveState", "Result", "ExecMainCode", "ExecMainStatus")).toEqual({ ActiveState: "inactive", Result: "success", ExecMainCode: "1", ExecMainStatus: "0" });
    const log = await journal();
    expect(log).toMatch(/"msg":"stopped"/);
    expect(log).toMatch(/koji-fleet-agent.service: Deactivated successfully/);
    expect(timings.stopMs).toBeLessThan(10_000);
  }, 60_000);
});

describe("koji-fleet-controller.service: unprivileged, hardened, still a working Node daemon", () => {
  it("sysusers creates koji-fleet; the sandboxed controller reaches READY, pings the watchdog, stops cleanly", async () => {
    await c.sh("systemd-sysusers");
    expect(await c.sh("getent", "passwd", "koji-fleet")).toMatch(/^koji-fleet:x:\d+:\d+:koji-fleet controller:\/var\/lib\/koji-fleet-controller:\/sbin\/nologin$/);
    await c.sh("chgrp", "koji-fleet", "/etc/koji-fleet", "/etc/koji-fleet/controller.yaml");
    const t = performance.now();
    await c.sh("systemctl", "enable", "--now", CONTROLLER); // returns once READY=1 arrived
    timings.controllerStartMs = since(t);
    const s = await showUnit(CONTROLLER, "ActiveState", "SubState", "MainPID", "StatusText");
    expect([s.ActiveState, s.SubState]).toEqual(["active", "running"]);
    expect(s.StatusText).toMatch(/^http:\/\/127\.0\.0\.1:\d+: first reconcile has not completed$/);
    expect(await c.sh("stat", "-c", "%U", `/proc/${s.MainPID}`)).toBe("koji-fleet"); // the process's owner
    // The state directory was made by systemd for the user, and the signing key landed there.
    expect(await c.sh("stat", "-c", "%U %a", "/var/lib/koji-fleet-controller", "/var/lib/koji-fleet-controller/catalog-signing.key")).toBe("koji-fleet 750\nkoji-fleet 600");
    await sleep(6_000); // longer than WatchdogSec=4s: only the pings keep it alive
    expect(await showUnit(CONTROLLER, "ActiveState", "NRestarts", "MainPID")).toEqual({ ActiveState: "active", NRestarts: "0", MainPID: s.MainPID });
    const exposure = await c.sh("sh", "-c", `systemd-analyze security ${CONTROLLER} --no-pager | tail -n 1`);
    console.log(`systemd-analyze security: ${exposure}`);
    expect(exposure).toMatch(/Overall exposure level for koji-fleet-controller.service: [0-2]\.\d OK/);
    await c.sh("systemctl", "stop", CONTROLLER);
    expect(await showUnit(CONTROLLER, "ActiveState", "Result", "ExecMainCode", "ExecMainStatus")).toEqual({ ActiveState: "inactive", Result: "success", ExecMainCode: "1", ExecMainStatus: "0" });
  }, 60_000);
});
