// The lane's systemctl stand-in (test/koji/platform/usr/bin/systemctl) under the agent's real
// service and systemd-dropin kinds: one host (network + mount namespaces) with the stand-in and
// a few test units in its /usr overlay, converged by the engine with every command run inside
// and files reached through /proc/<holder>/root. The daemons run for real: the assertions read
// their processes in /proc (user, namespace, environment), not only what systemctl says.
import { mkdir, readFile, readlink, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { converge, type ConvergeReport } from "../../agent/engine/converge.js";
import { lines, options as engineOptions, outcomes, res } from "../support/engine.js";
import { factsFromOsRelease } from "../../agent/facts.js";
import { filesInside } from "../../agent/kinds/testdata/systemd/testing.js";
import { JOURNALCTL, parseShow, SYSTEMCTL } from "../../agent/providers/systemd.js";
import type { Resource } from "../../shared/protocol.js";
import { overlay, requireNamespaces, startNsHost, upperPath, type NsHost } from "../support/netns.js";
import { kojiSource } from "./koji-source.js";
import { installPlatform } from "./platform.js";
import { useTmpDirs } from "../support/tmp.js";
import { inside } from "../support/netns.js";
import { waitFor } from "../support/wait.js";

const NOBODY = 65534;

/** Prints what it runs as and every SIGHUP it gets, to stdout: the unit's journal. */
const DEMO = `import os, signal, sys
signal.signal(signal.SIGHUP, lambda *_: print(f"kf-demo {os.getpid()}: SIGHUP", flush=True))
print(f"kf-demo {os.getpid()}: up as uid {os.getuid()}", flush=True)
while True:
    signal.pause()
`;

/**
 * Handles SIGUSR1 only once /run/kf-late.ready exists, as kojid installs its handler only after
 * logging in to the hub: until then the signal's default action kills it.
 */
const LATE = `import os, signal, time
print(f"kf-late {os.getpid()}: starting", flush=True)
while not os.path.exists("/run/kf-late.ready"):
    time.sleep(0.05)
signal.signal(signal.SIGUSR1, lambda *_: print(f"kf-late {os.getpid()}: SIGUSR1", flush=True))
print(f"kf-late {os.getpid()}: handler installed", flush=True)
while True:
    signal.pause()
`;

const UNITS: Record<string, string> = {
  // $OPTIONS from an environment file, split into words; ${GREETING} inside a word; a
  // continuation line; an optional environment file that is missing.
  "kf-demo.service": `[Unit]
Description=koji-fleet lane demo daemon

[Service]
User=nobody
Environment=GREETING=unset
EnvironmentFile=/etc/default/kf-demo
EnvironmentFile=-/etc/sysconfig/kf-demo
ExecStart=/usr/bin/python3 /usr/local/libexec/kf-demo $OPTIONS \\
    --greeting=\${GREETING}
ExecReload=/bin/kill -HUP $MAINPID

[Install]
WantedBy=multi-user.target
`,
  "kf-once.service": `[Unit]
Description=koji-fleet lane oneshot

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStartPre=-/bin/false
ExecStart=/bin/sh -c 'echo "ran as $(id -un)" >> /var/lib/kf-once.out'

[Install]
WantedBy=multi-user.target
`,
  "kf-tick.timer": `[Timer]
OnCalendar=*-*-* *:*:00

[Install]
WantedBy=timers.target
`,
  "kf-tick.service": `[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo fired >> /var/lib/kf-tick.out'
`,
  // kojid.service's reload, as koji ships it.
  "kf-late.service": `[Unit]
Description=koji-fleet lane daemon that handles its reload signal late, as kojid

[Service]
ExecStart=/usr/bin/python3 /usr/local/libexec/kf-late
ExecReload=/bin/kill -USR1 $MAINPID

[Install]
WantedBy=multi-user.target
`,
  "kf-fail.service": `[Service]
ExecStart=/bin/sh -c 'echo "kf-fail: cannot read /etc/kf-fail.conf" >&2; exit 1'

[Install]
WantedBy=multi-user.target
`,
};

const tmp = useTmpDirs();
let host: NsHost;
/** A path as the host sees it. */
const at = (path: string): string => join(`/proc/${host.pid}/root`, path);

async function put(path: string, text: string, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, { mode });
}

beforeAll(async () => {
  await requireNamespaces();
  const dir = await tmp("kf-systemctl-");
  const layers = join(dir, "layers");
  // The platform as every farm host gets it (installPlatform reads Koji's version from its source).
  await installPlatform(upperPath(layers, "/"), { kojiSrc: (await kojiSource(join(dir, "src"))).dir });
  for (const [name, text] of Object.entries(UNITS)) await put(upperPath(layers, `/usr/lib/systemd/system/${name}`), text);
  await put(upperPath(layers, "/usr/local/libexec/kf-demo"), DEMO);
  await put(upperPath(layers, "/usr/local/libexec/kf-late"), LATE);
  await put(upperPath(layers, "/etc/default/kf-demo"), `# as EL's /etc/sysconfig/httpd\nOPTIONS="--mode plain"\n`);
  host = await startNsHost("kf-systemctl", { mount: true });
  await overlay(host, layers, ["/etc", "/usr", "/run", "/var"]);
}, 60_000);

afterAll(async () => {
  await host?.stop();
});

const debian = factsFromOsRelease({ ID: "debian", VERSION_ID: "12", PRETTY_NAME: "Debian GNU/Linux 12 (bookworm)" });
/** The agent's engine on this host: commands inside its namespaces, files through its root. */
const run = (resources: Resource[]): Promise<ConvergeReport> =>
  converge(resources, engineOptions("/", { sandbox: false, exec: inside(host), files: filesInside(at("/")), facts: debian }));

const demo = (props: Record<string, unknown> = {}) => res("service:kf-demo", "service", { name: "kf-demo", enabled: true, state: "running", ...props });
const dropin = (greeting: string) =>
  res("systemd-dropin:kf-demo.service/koji-fleet.conf", "systemd-dropin", { unit: "kf-demo.service", name: "koji-fleet.conf", content: `[Service]\nEnvironment=GREETING=${greeting}\n` }, { notifies: ["service:kf-demo"] });
const once = res("service:kf-once", "service", { name: "kf-once", enabled: true, state: "running" });
const timer = (props: Record<string, unknown> = {}) => res("service:kf-tick.timer", "service", { name: "kf-tick.timer", enabled: true, state: "running", ...props });

const show = async (unit: string) => parseShow((await host.exec([SYSTEMCTL, "show", unit])).stdout);
const mainPid = async (unit: string) => Number((await show(unit)).MainPID);
const journal = async (unit: string) => (await host.exec([JOURNALCTL, "-u", unit, "-n", "20", "--no-pager", "-o", "cat"])).stdout;
const alive = async (pid: number) => !/^State:\s+Z/m.test(await readFile(`/proc/${pid}/status`, "utf8").catch(() => "State:\tZ"));
const environ = async (pid: number) => (await readFile(`/proc/${pid}/environ`, "utf8")).split("\0");
const cmdline = async (pid: number) => (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").filter(Boolean);

describe("systemctl stand-in under the agent's service and systemd-dropin kinds", () => {
  let firstPid = 0;

  it("first converge starts and enables, the daemon runs inside the host as its User=; the second plans nothing", async () => {
    const catalog = [dropin("hello"), demo(), once, timer()];
    const first = await run(catalog);
    expect(first.failed, JSON.stringify(lines(first))).toBe(0);
    // Started by this converge, with the drop-in written just before: no restart for it too.
    expect(lines(first)["service:kf-demo"]).toEqual([
      "enable kf-demo.service", "start kf-demo.service", "not restarted: started just now, with this configuration (notified by systemd-dropin:kf-demo.service/koji-fleet.conf)",
    ]);
    expect(lines(first)["service:kf-once"]).toEqual(["enable kf-once.service", "start kf-once.service"]);

    const s = await show("kf-demo");
    expect([s.ActiveState, s.SubState, s.UnitFileState, s.DropInPaths]).toEqual(["active", "running", "enabled", "/etc/systemd/system/kf-demo.service.d/koji-fleet.conf"]);
    firstPid = Number(s.MainPID);
    expect(await readFile(`/proc/${firstPid}/status`, "utf8")).toMatch(new RegExp(`^Uid:\\s+${NOBODY}\\s`, "m"));
    expect(await readlink(`/proc/${firstPid}/ns/net`)).toBe(await readlink(`/proc/${host.pid}/ns/net`));
    expect(await environ(firstPid)).toContain("GREETING=hello");
    expect((await cmdline(firstPid)).slice(2)).toEqual(["--mode", "plain", "--greeting=hello"]);
    expect(await readlink(at("/etc/systemd/system/multi-user.target.wants/kf-demo.service"))).toBe("/usr/lib/systemd/system/kf-demo.service");

    const o = await show("kf-once");
    expect([o.ActiveState, o.SubState]).toEqual(["active", "exited"]);
    expect(await readFile(at("/var/lib/kf-once.out"), "utf8")).toBe("ran as root\n");
    const t = await show("kf-tick.timer");
    expect([t.ActiveState, t.SubState, t.UnitFileState]).toEqual(["active", "waiting", "enabled"]);
    expect((await show("kf-tick.service")).ActiveState).toBe("inactive");

    const second = await run(catalog);
    expect(outcomes(second)).toEqual({ "systemd-dropin:kf-demo.service/koji-fleet.conf": "unchanged", "service:kf-demo": "unchanged", "service:kf-once": "unchanged", "service:kf-tick.timer": "unchanged" });
    expect(await mainPid("kf-demo")).toBe(firstPid);
    expect(await readFile(at("/var/lib/kf-once.out"), "utf8")).toBe("ran as root\n");
  });

  it("a changed drop-in is NeedDaemonReload=yes and unused until daemon-reload; the kinds reload and restart into the new environment", async () => {
    const handMade = at("/etc/systemd/system/kf-demo.service.d/zz-by-hand.conf");
    await writeFile(handMade, "[Service]\nEnvironment=GREETING=stale\n");
    expect((await show("kf-demo")).NeedDaemonReload).toBe("yes");
    await host.exec([SYSTEMCTL, "restart", "kf-demo"]);
    const restarted = await mainPid("kf-demo");
    expect(restarted).not.toBe(firstPid);
    expect(await environ(restarted)).toContain("GREETING=hello"); // systemd starts what it has loaded
    await unlink(handMade);
    expect((await show("kf-demo")).NeedDaemonReload).toBe("no");

    const r = await run([dropin("bonjour"), demo(), once, timer()]);
    expect(lines(r)["systemd-dropin:kf-demo.service/koji-fleet.conf"]).toEqual([expect.stringMatching(/content differs/), "daemon-reload"]);
    expect(lines(r)["service:kf-demo"]).toEqual(["restarted kf-demo.service"]);
    const pid = await mainPid("kf-demo");
    expect(pid).not.toBe(restarted);
    expect(await alive(restarted)).toBe(false);
    expect(await environ(pid)).toContain("GREETING=bonjour");
  });

  it("reload runs ExecReload with $MAINPID: the daemon records the signal and keeps its pid", async () => {
    const pid = await mainPid("kf-demo");
    const r = await run([dropin("hola"), demo({ reload: true })]);
    expect(lines(r)["service:kf-demo"]).toEqual(["reloaded kf-demo.service"]);
    expect(await mainPid("kf-demo")).toBe(pid);
    expect(await journal("kf-demo")).toContain(`kf-demo ${pid}: SIGHUP`);
  });

  it("a reload never reaches a daemon before it handles the signal (kojid): not after its start, a restart while it starts, a reload once ready", async () => {
    const late = res("service:kf-late", "service", { name: "kf-late", enabled: true, state: "running", reload: true });
    const conf = (maxjobs: number) =>
      res("systemd-dropin:kf-late.service/koji-fleet.conf", "systemd-dropin", { unit: "kf-late.service", name: "koji-fleet.conf", content: `[Service]\nEnvironment=MAXJOBS=${maxjobs}\n` }, { notifies: ["service:kf-late"] });

    const first = await run([conf(10), late]);
    expect(first.failed, JSON.stringify(lines(first))).toBe(0);
    expect(lines(first)["service:kf-late"]).toEqual([
      "enable kf-late.service", "start kf-late.service", "not reloaded: started just now, with this configuration (notified by systemd-dropin:kf-late.service/koji-fleet.conf)",
    ]);
    const starting = await mainPid("kf-late");

    // The next converge, while it still starts: a change it must pick up → restarted, not signalled.
    const second = await run([conf(6), late]);
    expect(lines(second)["service:kf-late"]).toEqual([
      `restarted kf-late.service instead of reloading it: its main process (PID ${starting}) does not handle SIGUSR1 yet (still starting), and a reload would kill it`,
    ]);
    const pid = await mainPid("kf-late");
    expect(pid).not.toBe(starting);
    expect(await environ(pid)).toContain("MAXJOBS=6");

    await writeFile(at("/run/kf-late.ready"), "");
    await waitFor(async () => (await journal("kf-late")).includes(`kf-late ${pid}: handler installed`), { message: "kf-late handles SIGUSR1" });
    const third = await run([conf(4), late]);
    expect(lines(third)["service:kf-late"]).toEqual(["reloaded kf-late.service"]);
    expect(await mainPid("kf-late")).toBe(pid);
    expect(await journal("kf-late")).toContain(`kf-late ${pid}: SIGUSR1`);
    expect((await show("kf-late")).ActiveState).toBe("active");
  });

  it("a unit that fails at start is failed, and the kind's apply fails with its log tail", async () => {
    const r = await run([res("service:kf-fail", "service", { name: "kf-fail", state: "running" })]);
    expect(r.failed).toBe(1);
    const error = r.results[0]!.error!;
    expect(error).toMatch(/start kf-fail\.service: kf-fail\.service is failed \(failed\) right after it/);
    expect(error).toContain("kf-fail: cannot read /etc/kf-fail.conf");
    const s = await show("kf-fail");
    expect([s.ActiveState, s.SubState, s.Result]).toEqual(["failed", "failed", "exit-code"]);
  });

  it("stop, disable and mask end the process and leave a /dev/null mask; unmasked it runs again", async () => {
    const pid = await mainPid("kf-demo");
    const r = await run([demo({ enabled: false, state: "stopped", masked: true }), timer({ enabled: false, state: "stopped" })]);
    expect(lines(r)).toEqual({
      "service:kf-demo": ["disable kf-demo.service", "stop kf-demo.service", "mask kf-demo.service"],
      "service:kf-tick.timer": ["disable kf-tick.timer", "stop kf-tick.timer"],
    });
    expect(await alive(pid)).toBe(false);
    const s = await show("kf-demo");
    expect([s.LoadState, s.ActiveState, s.UnitFileState, s.MainPID]).toEqual(["masked", "inactive", "masked", "0"]);
    expect(await readlink(at("/etc/systemd/system/kf-demo.service"))).toBe("/dev/null");
    await expect(readlink(at("/etc/systemd/system/multi-user.target.wants/kf-demo.service"))).rejects.toThrow(/ENOENT/);
    expect((await show("kf-tick.timer")).ActiveState).toBe("inactive");

    const again = await run([demo()]);
    expect(lines(again)["service:kf-demo"]).toEqual(["unmask kf-demo.service", "enable kf-demo.service", "start kf-demo.service"]);
    expect(await alive(await mainPid("kf-demo"))).toBe(true);
  });

  it("answers like systemctl for an unknown unit and a reload the unit cannot do", async () => {
    const exec = (...argv: string[]) => inside(host).run({ argv: [SYSTEMCTL, ...argv] });
    const unknown = parseShow((await exec("show", "--property=LoadState,ActiveState,UnitFileState", "nope")).stdout);
    expect(unknown).toEqual({ LoadState: "not-found", ActiveState: "inactive", UnitFileState: "" });
    const start = await exec("start", "nope");
    expect([start.exitCode, start.stderr.trim()]).toEqual([5, "Failed to start nope.service: Unit nope.service not found."]);
    const reload = await exec("reload", "kf-once");
    expect([reload.exitCode, reload.stderr.trim()]).toEqual([1, "Failed to reload kf-once.service: Job type reload is not applicable for unit kf-once.service."]);
    expect((await exec("is-active", "kf-demo")).exitCode).toBe(0);
    expect((await exec("is-active", "--quiet", "kf-fail")).exitCode).toBe(3);
  });
});
