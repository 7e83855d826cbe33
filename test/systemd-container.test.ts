// The service and systemd-dropin kinds against a real systemd 252 (Debian bookworm booted in
// systemd-nspawn, see test/support/nspawn.ts). Slow but never skipped: a container that cannot
// boot fails the suite with the reason. The kinds run as an agent inside the container would:
// root "/", files through the container's root (/proc/<init>/root), every command through
// `nsenter -t <init> -a`.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../shared/log.js";
import type { Resource } from "../shared/protocol.js";
import { converge } from "../agent/engine/converge.js";
import { readFacts } from "../agent/facts.js";
import type { AnyKind, KindContext } from "../agent/kinds/kind.js";
import { serviceKind, type ServiceProps } from "../agent/kinds/service.js";
import { systemdDropinKind } from "../agent/kinds/systemd-dropin.js";
import { cycle, expectNoopMatchesApply, kindContext } from "./support/kinds.js";
import { bootContainer, type Container } from "./support/nspawn.js";

const unit = (body: string, install = true) => `[Unit]\nDescription=koji-fleet test unit\n[Service]\n${body}\n${install ? "[Install]\nWantedBy=multi-user.target\n" : ""}`;
const DEMO = unit("ExecStart=/bin/sleep infinity\nExecReload=/bin/echo kf-demo reloaded");

let c: Container;
let ctx: KindContext;
const suiteStarted = Date.now();

beforeAll(async () => {
  c = await bootContainer(async (root) => {
    await writeFile(join(root, "etc/systemd/system/kf-demo.service"), DEMO);
    await writeFile(join(root, "etc/systemd/system/kf-fail.service"), unit("ExecStart=/bin/false"));
    // mask needs the unit file outside /etc/systemd/system (the mask symlink goes there)
    await writeFile(join(root, "lib/systemd/system/kf-masky.service"), DEMO);
  });
  // The container is Debian: facts come from its os-release, as the agent would read them.
  ctx = kindContext("/", { exec: c.exec, files: c.files, sandbox: false, facts: await readFacts(c.files, "/") });
  console.log(`nspawn timings: ${JSON.stringify(c.timings)}`);
}, 15 * 60_000);

afterAll(async () => {
  await c?.stop();
  console.log(`systemd container suite: ${Date.now() - suiteStarted} ms`);
}, 60_000);

const kinds = new Map<string, AnyKind>([serviceKind, systemdDropinKind].map((k) => [k.name, k]));
const run = (resources: Resource[]) =>
  converge(resources, { kinds, root: "/", sandbox: false, noop: false, files: c.files, exec: c.exec, log: silentLogger(), previousInventory: [], facts: ctx.facts });
const mainPid = async (name = "kf-demo.service") => Number(await c.sh("systemctl", "show", "--property=MainPID", "--value", name));
const catalog = (content: string, service: ServiceProps): Resource[] => [
  { id: "systemd-dropin:kf-demo", kind: "systemd-dropin", props: { unit: "kf-demo", name: "koji-fleet.conf", content }, requires: [], notifies: ["service:kf-demo"] },
  { id: "service:kf-demo", kind: "service", props: { ...service }, requires: [], notifies: [] },
];
const outcomes = (r: Awaited<ReturnType<typeof run>>) => r.results.map((x) => [x.id, x.outcome, x.changes, x.error]);

describe("service and systemd-dropin on a real systemd", () => {
  it("the container is Debian, and both kinds declare it", () => {
    expect(ctx.facts.family).toBe("debian");
    expect(serviceKind.platforms).toContain("debian");
    expect(systemdDropinKind.platforms).toContain("debian");
  });

  it("enable + start → active (running); noop promised exactly that; second run is a no-op", async () => {
    const props: ServiceProps = { name: "kf-demo", enabled: true, state: "running" };
    expect(await expectNoopMatchesApply(serviceKind, props, ctx)).toEqual(["enable kf-demo.service", "start kf-demo.service"]);
    expect(await c.sh("systemctl", "show", "--property=ActiveState,SubState,UnitFileState", "kf-demo.service")).toBe("ActiveState=active\nSubState=running\nUnitFileState=enabled");
    expect(await cycle(serviceKind, props, ctx)).toEqual({ before: [], after: [] });
  });

  it("a drop-in change → daemon-reload, then restart on notify (MainPID changes); unchanged → nothing", async () => {
    const want: ServiceProps = { name: "kf-demo", enabled: true, state: "running" };
    const pid0 = await mainPid();
    const first = await run(catalog("[Service]\nEnvironment=KF_DEMO=1\n", want));
    expect(outcomes(first)).toEqual([
      ["systemd-dropin:kf-demo", "changed", ["create /etc/systemd/system/kf-demo.service.d/koji-fleet.conf", "daemon-reload"], undefined],
      ["service:kf-demo", "changed", ["restarted kf-demo.service"], undefined],
    ]);
    const pid1 = await mainPid();
    expect(pid1).not.toBe(pid0);
    expect(await c.sh("systemctl", "show", "--property=Environment", "--value", "kf-demo.service")).toBe("KF_DEMO=1");

    expect(outcomes(await run(catalog("[Service]\nEnvironment=KF_DEMO=1\n", want))).map((o) => o[1])).toEqual(["unchanged", "unchanged"]);
    expect(await mainPid()).toBe(pid1);

    const second = await run(catalog("[Service]\nEnvironment=KF_DEMO=2\n", want));
    expect(second.results[0]!.changes).toEqual([expect.stringMatching(/koji-fleet.conf: content differs/), "daemon-reload"]);
    expect(second.results[1]!.changes).toEqual(["restarted kf-demo.service"]);
    expect(await mainPid()).not.toBe(pid1);
    expect(await c.sh("systemctl", "show", "--property=Environment", "--value", "kf-demo.service")).toBe("KF_DEMO=2");
  });

  it("reload: true → the notified service is reloaded, its MainPID stays", async () => {
    const pid = await mainPid();
    const r = await run(catalog("[Service]\nEnvironment=KF_DEMO=3\n", { name: "kf-demo", state: "running", reload: true }));
    expect(r.results[1]!.changes).toEqual(["reloaded kf-demo.service"]);
    expect(await mainPid()).toBe(pid);
    expect(await c.sh("journalctl", "-u", "kf-demo.service", "--no-pager", "-o", "cat")).toMatch(/kf-demo reloaded/);
  });

  it("noop report equals the real run for the drop-in", async () => {
    const props = { unit: "kf-demo.service", name: "koji-fleet.conf", content: "[Service]\nEnvironment=KF_DEMO=4\n" };
    expect(await expectNoopMatchesApply(systemdDropinKind, props, ctx)).toEqual([expect.stringMatching(/content differs/), "daemon-reload"]);
  });

  it("state: stopped → stop; a notified service meant to be stopped is not restarted", async () => {
    const stopped: ServiceProps = { name: "kf-demo", state: "stopped" };
    expect(await expectNoopMatchesApply(serviceKind, stopped, ctx)).toEqual(["stop kf-demo.service"]);
    expect(await c.sh("systemctl", "show", "--property=ActiveState", "--value", "kf-demo.service")).toBe("inactive");
    const r = await run(catalog("[Service]\nEnvironment=KF_DEMO=5\n", stopped));
    expect(outcomes(r).map((o) => o[1])).toEqual(["changed", "unchanged"]);
    expect(await c.sh("systemctl", "show", "--property=ActiveState", "--value", "kf-demo.service")).toBe("inactive");
  });

  it("masked → unmask, then start", async () => {
    await c.sh("systemctl", "mask", "kf-masky.service");
    expect(await expectNoopMatchesApply(serviceKind, { name: "kf-masky", state: "running" }, ctx)).toEqual(["unmask kf-masky.service", "start kf-masky.service"]);
  });

  it("a unit that cannot start (ExecStart=/bin/false) → the error carries its journal lines", async () => {
    const err = await cycle(serviceKind, { name: "kf-fail", state: "running" }, ctx).then(() => null, (e: Error) => e.message);
    expect(err).toMatch(/^\/usr\/bin\/systemctl start kf-fail.service: kf-fail.service is failed \(failed\) right after it\nlast 50 journal lines of kf-fail.service:\n/);
    expect(err).toMatch(/kf-fail.service: Main process exited, code=exited, status=1\/FAILURE/);
  });
});
