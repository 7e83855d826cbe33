// The agent upgrading its own package: under systemd the transaction leaves the agent's
// cgroup (systemd-run), the agent's restart is queued after it; everything else is unchanged.
import { afterEach, describe, expect, it } from "vitest";
import { EL10, kindContext } from "../../test/support/kinds.js";
import { packageKind } from "../kinds/package.js";
import { RecordingExecutor, type ExecRequest } from "./executor.js";
import { agentUnderSystemd, dnfProvider, isAgentPackage } from "./dnf.js";

const TRANSIENT = ["/usr/bin/systemd-run", expect.stringMatching(/^--unit=koji-fleet-dnf-[0-9a-z]+$/), "--collect", "--wait", "--pipe", "--quiet", "--setenv=LC_ALL=C.UTF-8", "--setenv=COLUMNS=1000"];
const ok = () => ({ exitCode: 0 });
const provider = (exec: RecordingExecutor, selfUpdateUnit?: boolean, root = "/") =>
  dnfProvider({ exec, root, facts: EL10, signal: new AbortController().signal, ...(selfUpdateUnit === undefined ? {} : { selfUpdateUnit }) });
const argvs = (calls: ExecRequest[]) => calls.map((c) => [...c.argv]);

describe("self-update of koji-fleet-agent", () => {
  it.each([
    ["koji-fleet-agent", true],
    ["koji-fleet-agent-0.2.0-1.el10", true],
    ["koji-fleet-agent-1:0.2.0", true],
    ["koji-fleet-agent-extras", false],
    ["koji-fleet-controller", false],
    ["koji", false],
  ])("%s is the agent's package: %s", (spec, want) => expect(isAgentPackage(spec)).toBe(want));

  it("under systemd, an upgrade including the agent → dnf in a transient unit, then a queued restart", async () => {
    const exec = new RecordingExecutor(ok);
    await provider(exec, true).install(["koji-1.35.3-1.el10", "koji-fleet-agent-0.2.0-1.el10"]);
    expect(argvs(exec.calls)).toEqual([
      [...TRANSIENT, "/usr/bin/dnf", "-y", "install", "koji-1.35.3-1.el10", "koji-fleet-agent-0.2.0-1.el10"],
      ["/usr/bin/systemctl", "--no-block", "try-restart", "koji-fleet-agent.service"],
    ]);
  });

  it("removing the agent → transient unit, no restart (%preun stops it)", async () => {
    const exec = new RecordingExecutor(ok);
    await provider(exec, true).remove(["koji-fleet-agent"]);
    expect(argvs(exec.calls)).toEqual([[...TRANSIENT, "/usr/bin/dnf", "-y", "remove", "koji-fleet-agent"]]);
  });

  it("a failed transaction → DnfError naming systemd-run's exit, no restart", async () => {
    const exec = new RecordingExecutor(() => ({ exitCode: 1, stderr: "Error: Unable to find a match: koji-fleet-agent-9\n" }));
    await expect(provider(exec, true).install(["koji-fleet-agent-9"])).rejects.toThrow(/^\/usr\/bin\/systemd-run --unit=koji-fleet-dnf-\S+ .* \/usr\/bin\/dnf -y install koji-fleet-agent-9 exited with code 1:\nError: Unable to find a match/);
    expect(exec.calls).toHaveLength(1);
  });

  it("other packages, or not under systemd → plain dnf as before", async () => {
    const exec = new RecordingExecutor(ok);
    await provider(exec, true).install(["koji"]);
    await provider(exec, false).install(["koji-fleet-agent"]);
    expect(argvs(exec.calls)).toEqual([
      ["/usr/bin/dnf", "-y", "install", "koji"],
      ["/usr/bin/dnf", "-y", "install", "koji-fleet-agent"],
    ]);
  });

  it("decided from the agent's environment: INVOCATION_ID (set by systemd), on the host root only", () => {
    expect(agentUnderSystemd("/", { INVOCATION_ID: "0123abcd" })).toBe(true);
    expect(agentUnderSystemd("/", {})).toBe(false);
    expect(agentUnderSystemd("/srv/image", { INVOCATION_ID: "0123abcd" })).toBe(false);
  });

  describe("through the package kind", () => {
    const saved = process.env.INVOCATION_ID;
    afterEach(() => (saved === undefined ? delete process.env.INVOCATION_ID : (process.env.INVOCATION_ID = saved)));

    it("an agent started by systemd upgrading itself goes through systemd-run", async () => {
      process.env.INVOCATION_ID = "0123456789abcdef0123456789abcdef";
      const exec = new RecordingExecutor(ok);
      const installed = { "koji-fleet-agent": [{ name: "koji-fleet-agent", epoch: "0", version: "0.1.0", release: "1.el10", arch: "noarch" }] };
      await packageKind.apply({ packages: [{ name: "koji-fleet-agent", version: "0.2.0-1.el10" }] }, { installed, repos: {}, repoFiles: {}, modules: {} }, kindContext("/", { sandbox: false, exec }));
      expect(argvs(exec.calls)).toEqual([
        [...TRANSIENT, "/usr/bin/dnf", "-y", "install", "koji-fleet-agent-0.2.0-1.el10"],
        ["/usr/bin/systemctl", "--no-block", "try-restart", "koji-fleet-agent.service"],
      ]);
    });
  });
});
