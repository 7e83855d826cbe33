import { describe, expect, it } from "vitest";
import { RecordingExecutor, type ExecRequest } from "../providers/executor.js";
import { firewallKind, type FirewallProps } from "./firewall.js";
import { loadOutput } from "./testdata/load-output.js";
import { cycle, expectNoopMatchesApply, kindContext } from "../../test/support/kinds.js";

const FC = "/usr/bin/firewall-cmd";
const out = (name: string) => loadOutput("firewall-cmd", name);
const STATE = { argv: [FC, "--state"], result: out("state-running.txt") };
/** The five reads of one observe, in order, answered from fixtures. */
const reads = (runtimeServices: string, runtimePorts: string, permServices: string, permPorts: string) => [
  STATE,
  { argv: [FC, "--zone=public", "--list-services"], result: out(runtimeServices) },
  { argv: [FC, "--zone=public", "--list-ports"], result: out(runtimePorts) },
  { argv: [FC, "--permanent", "--zone=public", "--list-services"], result: out(permServices) },
  { argv: [FC, "--permanent", "--zone=public", "--list-ports"], result: out(permPorts) },
];
// firewall touches no file: the root is never read.
const ctxWith = (exec: RecordingExecutor) => kindContext("/", { exec, sandbox: false });
const HUB: FirewallProps = { services: ["https", "nfs"] };

describe("firewall (replayed firewall-cmd output)", () => {
  it("service already open in both runtime and permanent → nothing", async () => {
    const exec = new RecordingExecutor(reads("list-services-koji.txt", "list-ports-empty.txt", "list-services-koji.txt", "list-ports-empty.txt"));
    expect(firewallKind.diff(HUB, await firewallKind.observe(HUB, ctxWith(exec)))).toEqual([]);
    expect(exec.pending).toEqual([]);
  });

  it("services missing in both → permanent add, then runtime add, then re-observe", async () => {
    const added = { result: out("add-success.txt") };
    const exec = new RecordingExecutor([
      ...reads("list-services-default.txt", "list-ports-empty.txt", "list-services-default.txt", "list-ports-empty.txt"),
      { argv: [FC, "--permanent", "--zone=public", "--add-service=https", "--add-service=nfs"], ...added },
      { argv: [FC, "--zone=public", "--add-service=https", "--add-service=nfs"], ...added },
      ...reads("list-services-koji.txt", "list-ports-empty.txt", "list-services-koji.txt", "list-ports-empty.txt"),
    ]);
    const r = await cycle(firewallKind, HUB, ctxWith(exec));
    expect(r).toEqual({ before: ["open service https in zone public (permanent and runtime)", "open service nfs in zone public (permanent and runtime)"], after: [] });
    expect(exec.pending).toEqual([]);
  });

  it("open in runtime only (added without --permanent) → permanent add only", async () => {
    const exec = new RecordingExecutor([
      ...reads("list-services-koji.txt", "list-ports-empty.txt", "list-services-default.txt", "list-ports-empty.txt"),
      { argv: [FC, "--permanent", "--zone=public", "--add-service=https", "--add-service=nfs"], result: out("add-success.txt") },
    ]);
    const ctx = ctxWith(exec);
    const observed = await firewallKind.observe(HUB, ctx);
    expect(firewallKind.diff(HUB, observed)).toEqual(["open service https in zone public (permanent)", "open service nfs in zone public (permanent)"]);
    await firewallKind.apply(HUB, observed, ctx);
    expect(exec.pending).toEqual([]);
  });

  it("port inside an open range → nothing; port outside → --add-port in both layers", async () => {
    const props: FirewallProps = { ports: ["8005/tcp", "2049/tcp"] };
    const exec = new RecordingExecutor([
      ...reads("list-services-default.txt", "list-ports-range.txt", "list-services-default.txt", "list-ports-range.txt"),
      { argv: [FC, "--permanent", "--zone=public", "--add-port=2049/tcp"], result: out("add-success.txt") },
      { argv: [FC, "--zone=public", "--add-port=2049/tcp"], result: out("add-success.txt") },
    ]);
    const ctx = ctxWith(exec);
    const observed = await firewallKind.observe(props, ctx);
    expect(firewallKind.diff(props, observed)).toEqual(["open port 2049/tcp in zone public (permanent and runtime)"]);
    await firewallKind.apply(props, observed, ctx);
    expect(exec.pending).toEqual([]);
  });

  it("firewalld not running → observe fails with a clear error, nothing else runs", async () => {
    const exec = new RecordingExecutor([{ argv: [FC, "--state"], result: out("state-not-running.txt") }]);
    await expect(firewallKind.observe(HUB, ctxWith(exec))).rejects.toThrow(/^firewalld is not running \(firewall-cmd --state: not running\): start it with systemctl enable --now firewalld/);
  });

  it("zone does not exist → error names the zone", async () => {
    const exec = new RecordingExecutor([STATE, { argv: [FC, "--zone=koji", "--list-services"], result: out("list-invalid-zone.txt") }]);
    await expect(firewallKind.observe({ zone: "koji", services: ["https"] }, ctxWith(exec))).rejects.toThrow("firewalld has no zone 'koji' (runtime): Error: INVALID_ZONE: koji");
  });

  it("one unknown service among several (firewall-cmd exits 0) → apply fails naming it", async () => {
    const props: FirewallProps = { services: ["https", "kojihub"] };
    const exec = new RecordingExecutor([
      ...reads("list-services-default.txt", "list-ports-empty.txt", "list-services-default.txt", "list-ports-empty.txt"),
      { argv: [FC, "--permanent", "--zone=public", "--add-service=https", "--add-service=kojihub"], result: out("add-partly-invalid.txt") },
    ]);
    await expect(cycle(firewallKind, props, ctxWith(exec))).rejects.toThrow("Warning: INVALID_SERVICE: 'kojihub' not among existing services");
  });
});

/** A firewalld that keeps runtime and permanent state and answers like firewall-cmd. */
function fakeFirewalld() {
  const layers = { runtime: { services: new Set(["ssh", "cockpit"]), ports: new Set<string>() }, permanent: { services: new Set(["cockpit"]), ports: new Set<string>() } };
  return new RecordingExecutor((req: ExecRequest) => {
    const args = req.argv.slice(1);
    if (args[0] === "--state") return { stdout: "running\n" };
    const layer = args[0] === "--permanent" ? layers.permanent : layers.runtime;
    const rest = args.filter((a) => a !== "--permanent" && !a.startsWith("--zone="));
    const show = (s: Set<string>) => ({ stdout: s.size === 0 ? "" : `${[...s].sort().join(" ")}\n` });
    if (rest[0] === "--list-services") return show(layer.services);
    if (rest[0] === "--list-ports") return show(layer.ports);
    for (const a of rest) {
      const m = /^--add-(service|port)=(.+)$/.exec(a);
      if (!m) return undefined;
      (m[1] === "service" ? layer.services : layer.ports).add(m[2]!);
    }
    return { stdout: "success\n" };
  });
}

describe("firewall noop = apply (stateful fake firewalld)", () => {
  it("noop promises exactly what the run does; second run reports nothing", async () => {
    const exec = fakeFirewalld();
    const lines = await expectNoopMatchesApply(firewallKind, { services: ["https", "ssh"], ports: ["2049/tcp"] }, ctxWith(exec));
    expect(lines).toEqual([
      "open service https in zone public (permanent and runtime)",
      "open service ssh in zone public (permanent)",
      "open port 2049/tcp in zone public (permanent and runtime)",
    ]);
    // ssh was open in runtime but not permanent: fixed by the same permanent call.
    expect(exec.calls.map((c) => c.argv).filter((a) => a.some((x) => x.startsWith("--add-")))).toEqual([
      [FC, "--permanent", "--zone=public", "--add-service=https", "--add-service=ssh"],
      [FC, "--permanent", "--zone=public", "--add-port=2049/tcp"],
      [FC, "--zone=public", "--add-service=https"],
      [FC, "--zone=public", "--add-port=2049/tcp"],
    ]);
  });
});
