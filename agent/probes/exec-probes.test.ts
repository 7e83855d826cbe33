// command, service-active and path-access: the exact argv they run (replayed, as captured from
// EL10), and `command` for real with /usr/bin/true and /usr/bin/false.
import { describe, expect, it } from "vitest";
import { RecordingExecutor, createExecutor, type ExpectedCall, type Executor } from "../providers/executor.js";
import { createFiles } from "../providers/files.js";
import { runProbes } from "./index.js";

const T0 = new Date("2025-01-01T00:00:00.000Z");
async function one(kind: string, props: Record<string, unknown>, exec: Executor, root = "/") {
  const [r] = await runProbes([{ id: "p", kind, props }], { root, files: createFiles(), exec, previous: [], now: () => T0 });
  return { healthy: r!.healthy, output: r!.output };
}
async function replay(kind: string, props: Record<string, unknown>, calls: ExpectedCall[]) {
  const exec = new RecordingExecutor(calls);
  const result = await one(kind, props, exec);
  expect(exec.pending).toEqual([]);
  return result;
}

describe("command probe", () => {
  it.each<[string, Record<string, unknown>, Partial<{ exitCode: number; stdout: string; stderr: string; timedOut: boolean }>, boolean, string]>([
    ["exit 0 → healthy, quotes the output", { argv: ["pg_isready", "-h", "db.test", "-d", "koji"] }, { stdout: "db.test:5432 - accepting connections\n" }, true,
      "pg_isready -h db.test -d koji: exit 0: db.test:5432 - accepting connections"],
    ["non-zero exit → unhealthy with what it printed", { argv: ["pg_isready", "-h", "db.test", "-d", "koji"] }, { exitCode: 2, stdout: "db.test:5432 - no response\n" }, false,
      "pg_isready -h db.test -d koji: exited 2, expected 0: db.test:5432 - no response"],
    ["expectExit other than 0", { argv: ["systemctl", "is-enabled", "kojid"], expectExit: 1 }, { exitCode: 1, stdout: "disabled\n" }, true, "systemctl is-enabled kojid: exit 1: disabled"],
    ["outputMatches against stdout", { argv: ["koji", "version"], outputMatches: "^Client: 1\\.3[5-9]" }, { stdout: "Client: 1.35.3\nHub:    1.35.3\n" }, true, "koji version: exit 0: Client: 1.35.3 ⏎ Hub:    1.35.3"],
    ["outputMatches against stderr too", { argv: ["kojid", "--version"], outputMatches: "1\\.35" }, { stderr: "kojid 1.35.3\n" }, true, "kojid --version: exit 0: kojid 1.35.3"],
    ["output that does not match → unhealthy", { argv: ["systemctl", "is-active", "kojira"], outputMatches: "^active$" }, { stdout: "activating\n" }, false,
      "systemctl is-active kojira: output does not match /^active$/: activating"],
    ["timed out → unhealthy", { argv: ["findmnt", "-T", "/mnt/koji"], timeoutMs: 1000 }, { exitCode: null as unknown as number, timedOut: true }, false, "findmnt -T /mnt/koji: timed out: (empty)"],
  ])("%s", async (_name, props, result, healthy, output) => {
    const r = await replay("command", props, [{ argv: props.argv as string[], result }]);
    expect(r).toEqual({ healthy, output });
  });

  it("a program that does not exist → unhealthy, says so", async () => {
    const r = await replay("command", { argv: ["/usr/bin/kojix"] }, [{ argv: ["/usr/bin/kojix"], error: new Error("/usr/bin/kojix: cannot start: spawn /usr/bin/kojix ENOENT") }]);
    expect(r).toEqual({ healthy: false, output: "/usr/bin/kojix: /usr/bin/kojix: cannot start: spawn /usr/bin/kojix ENOENT" });
  });

  it("an invalid regex → unhealthy, nothing run", async () => {
    const r = await replay("command", { argv: ["true"], outputMatches: "([" }, []);
    expect(r.healthy).toBe(false);
    expect(r.output).toMatch(/^invalid outputMatches "\(\[": /);
  });

  it("for real: /usr/bin/true is healthy, /usr/bin/false is not, a missing program is not", async () => {
    const exec = createExecutor();
    expect(await one("command", { argv: ["/usr/bin/true"] }, exec)).toEqual({ healthy: true, output: "/usr/bin/true: exit 0: (empty)" });
    expect(await one("command", { argv: ["/usr/bin/false"] }, exec)).toEqual({ healthy: false, output: "/usr/bin/false: exited 1, expected 0: (empty)" });
    expect(await one("command", { argv: ["/usr/bin/false"], expectExit: 1 }, exec)).toEqual({ healthy: true, output: "/usr/bin/false: exit 1: (empty)" });
    expect(await one("command", { argv: ["/bin/echo", "koji 1.35"], outputMatches: "koji 1\\.3" }, exec)).toEqual({ healthy: true, output: "/bin/echo koji 1.35: exit 0: koji 1.35" });
    expect((await one("command", { argv: ["/nonexistent/kojid"] }, exec)).output).toMatch(/^\/nonexistent\/kojid: .*cannot start: .*ENOENT/);
  });

  it("props are validated: an empty argv is refused", async () => {
    expect(await replay("command", { argv: [] }, [])).toEqual({ healthy: false, output: "invalid props: /argv must NOT have fewer than 1 items" });
  });
});

describe("service-active probe", () => {
  const isActive = (unit: string) => ["/usr/bin/systemctl", "is-active", unit];
  const journal = (unit: string) => ["/usr/bin/journalctl", "-u", unit, "-n", "3", "--no-pager", "-o", "cat"];

  it("active → healthy, one command", async () => {
    expect(await replay("service-active", { unit: "kojira" }, [{ argv: isActive("kojira"), result: { stdout: "active\n" } }])).toEqual({ healthy: true, output: "kojira: active" });
  });

  it("failed → unhealthy with the state and the journal's last lines", async () => {
    const r = await replay("service-active", { unit: "kojid.service" }, [
      { argv: isActive("kojid.service"), result: { exitCode: 3, stdout: "failed\n" } },
      { argv: journal("kojid.service"), result: { stdout: "Starting kojid...\nAuthError: unable to obtain a session\nkojid.service: Failed with result 'exit-code'.\n" } },
    ]);
    expect(r).toEqual({ healthy: false, output: "kojid.service: failed; journal: Starting kojid... ⏎ AuthError: unable to obtain a session ⏎ kojid.service: Failed with result 'exit-code'." });
  });

  it("inactive with an empty journal → the state alone; a journal that fails to run is skipped", async () => {
    expect(await replay("service-active", { unit: "httpd" }, [
      { argv: isActive("httpd"), result: { exitCode: 3, stdout: "inactive\n" } },
      { argv: journal("httpd"), result: { stdout: "" } },
    ])).toEqual({ healthy: false, output: "httpd: inactive" });
    expect(await replay("service-active", { unit: "httpd" }, [
      { argv: isActive("httpd"), result: { exitCode: 3, stdout: "activating\n" } },
      { argv: journal("httpd"), error: new Error("journalctl: cannot start") },
    ])).toEqual({ healthy: false, output: "httpd: activating" });
  });

  it("a unit name that would be read as an option is refused", async () => {
    expect((await replay("service-active", { unit: "--all" }, [])).output).toMatch(/^invalid props: \/unit must match pattern/);
  });
});

describe("path-access probe", () => {
  const findmnt = ["/usr/bin/findmnt", "-J", "-T", "/mnt/koji", "-o", "TARGET,SOURCE,FSTYPE,OPTIONS"];
  const nfs = JSON.stringify({ filesystems: [{ target: "/mnt/koji", source: "nfs.test:/exports/koji", fstype: "nfs4", options: "rw,relatime,vers=4.2" }] });

  it.each<[string, Record<string, unknown>, ExpectedCall[], boolean, string]>([
    ["writable by apache → healthy", { path: "/mnt/koji/work", as: "apache", access: "write" },
      [{ argv: ["runuser", "-u", "apache", "--", "test", "-w", "/mnt/koji/work"] }], true, "/mnt/koji/work: writable by apache"],
    ["read uses test -r", { path: "/mnt/koji/repos", as: "kojibuilder", access: "read" },
      [{ argv: ["runuser", "-u", "kojibuilder", "--", "test", "-r", "/mnt/koji/repos"] }], true, "/mnt/koji/repos: readable by kojibuilder"],
    ["not writable → unhealthy", { path: "/mnt/koji/repos", as: "kojira", access: "write" },
      [{ argv: ["runuser", "-u", "kojira", "--", "test", "-w", "/mnt/koji/repos"], result: { exitCode: 1 } }], false, "/mnt/koji/repos: not writable by kojira: test -w exited 1"],
    ["unknown user → runuser's reason", { path: "/mnt/koji", as: "apache", access: "read" },
      [{ argv: ["runuser", "-u", "apache", "--", "test", "-r", "/mnt/koji"], result: { exitCode: 1, stderr: "runuser: user apache does not exist or the user entry does not contain all the required fields\n" } }], false,
      "/mnt/koji: not readable by apache: runuser: user apache does not exist or the user entry does not contain all the required fields"],
    ["mounted: an NFS mount → says where", { path: "/mnt/koji", as: "apache", access: "write", mounted: true },
      [{ argv: findmnt, result: { stdout: nfs } }, { argv: ["runuser", "-u", "apache", "--", "test", "-w", "/mnt/koji"] }], true,
      "/mnt/koji: writable by apache on nfs.test:/exports/koji (nfs4, rw) at /mnt/koji"],
    ["mounted, but only the root file system → unhealthy, no access test", { path: "/mnt/koji", as: "apache", access: "write", mounted: true },
      [{ argv: findmnt, result: { stdout: JSON.stringify({ filesystems: [{ target: "/", source: "/dev/vda1", fstype: "xfs", options: "rw" }] }) } }], false,
      "/mnt/koji: not mounted (on the root file system /dev/vda1)"],
    ["mounted read-only → the ro shows next to the failure", { path: "/mnt/koji", as: "apache", access: "write", mounted: true },
      [{ argv: findmnt, result: { stdout: nfs.replace("rw,", "ro,") } }, { argv: ["runuser", "-u", "apache", "--", "test", "-w", "/mnt/koji"], result: { exitCode: 1 } }], false,
      "/mnt/koji: not writable by apache on nfs.test:/exports/koji (nfs4, ro) at /mnt/koji: test -w exited 1"],
  ])("%s", async (_name, props, calls, healthy, output) => {
    expect(await replay("path-access", props, calls)).toEqual({ healthy, output });
  });

  it("the path is resolved under the agent's root", async () => {
    const exec = new RecordingExecutor([{ argv: ["runuser", "-u", "apache", "--", "test", "-w", "/srv/sandbox/mnt/koji"] }]);
    expect(await one("path-access", { path: "/mnt/koji", as: "apache", access: "write" }, exec, "/srv/sandbox")).toEqual({ healthy: true, output: "/mnt/koji: writable by apache" });
  });

  // runuser works only for root.
  it.skipIf(process.getuid?.() !== 0)("for real as root: /tmp is writable, a missing path is not readable", async () => {
    const exec = createExecutor();
    expect(await one("path-access", { path: "/tmp", as: "root", access: "write" }, exec)).toEqual({ healthy: true, output: "/tmp: writable by root" });
    expect((await one("path-access", { path: "/nonexistent/koji", as: "root", access: "read" }, exec)).healthy).toBe(false);
  });
});
