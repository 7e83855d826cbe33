import { describe, expect, it } from "vitest";
import { RecordingExecutor, type ExecRequest } from "../providers/executor.js";
import { selinuxBooleanKind, type SelinuxBooleanProps } from "./selinux-boolean.js";
import { loadOutput } from "./testdata/load-output.js";
import { cycle, expectNoopMatchesApply, kindContext } from "../../test/support/kinds.js";

const GETENFORCE = ["/usr/sbin/getenforce"];
const LIST = ["/usr/sbin/semanage", "boolean", "-l"];
const enforce = (file = "enforcing.txt") => ({ argv: GETENFORCE, result: loadOutput("getenforce", file) });
const getsebool = (name: string, file: string) => ({ argv: ["/usr/sbin/getsebool", name], result: loadOutput("getsebool", file) });
const list = (file: string) => ({ argv: LIST, result: loadOutput("semanage", file) });
const NFS_ON: SelinuxBooleanProps = { name: "httpd_use_nfs", value: true };
// These kinds touch no file: the root is never read.
const ctxWith = (exec: RecordingExecutor) => kindContext("/", { exec, sandbox: false });

describe("selinux-boolean (replayed getenforce/getsebool/semanage output)", () => {
  it("boolean off → setsebool -P on, then both values read on", async () => {
    const exec = new RecordingExecutor([
      enforce(), getsebool("httpd_use_nfs", "httpd_use_nfs-off.txt"), list("boolean-list-default.txt"),
      { argv: ["/usr/sbin/setsebool", "-P", "httpd_use_nfs", "on"] },
      enforce(), getsebool("httpd_use_nfs", "httpd_use_nfs-on.txt"), list("boolean-list-nfs-on.txt"),
    ]);
    expect(await cycle(selinuxBooleanKind, NFS_ON, ctxWith(exec))).toEqual({ before: ["httpd_use_nfs off → on"], after: [] });
    expect(exec.pending).toEqual([]);
  });

  it("boolean on now and at boot → nothing", async () => {
    const exec = new RecordingExecutor([enforce(), getsebool("httpd_use_nfs", "httpd_use_nfs-on.txt"), list("boolean-list-nfs-on.txt")]);
    expect(selinuxBooleanKind.diff(NFS_ON, await selinuxBooleanKind.observe(NFS_ON, ctxWith(exec)))).toEqual([]);
  });

  it("on at runtime but not persistent (setsebool without -P) → setsebool -P, reported as the boot value", async () => {
    const exec = new RecordingExecutor([
      enforce(), getsebool("httpd_use_nfs", "httpd_use_nfs-on.txt"), list("boolean-list-nfs-runtime-only.txt"),
      { argv: ["/usr/sbin/setsebool", "-P", "httpd_use_nfs", "on"] },
    ]);
    const ctx = ctxWith(exec);
    const observed = await selinuxBooleanKind.observe(NFS_ON, ctx);
    expect(selinuxBooleanKind.diff(NFS_ON, observed)).toEqual(["httpd_use_nfs persistent value off → on (runtime is already on; it would revert at boot)"]);
    await selinuxBooleanKind.apply(NFS_ON, observed, ctx);
    expect(exec.pending).toEqual([]);
  });

  it("old alias name → read and set under the policy's name", async () => {
    const props: SelinuxBooleanProps = { name: "allow_httpd_anon_write", value: true };
    const exec = new RecordingExecutor([
      enforce(), getsebool("allow_httpd_anon_write", "alias-allow_httpd_anon_write.txt"), list("boolean-list-default.txt"),
      { argv: ["/usr/sbin/setsebool", "-P", "httpd_anon_write", "on"] },
    ]);
    const ctx = ctxWith(exec);
    const observed = await selinuxBooleanKind.observe(props, ctx);
    expect(selinuxBooleanKind.diff(props, observed)).toEqual(["httpd_anon_write off → on"]);
    await selinuxBooleanKind.apply(props, observed, ctx);
    expect(exec.pending).toEqual([]);
  });

  it("SELinux permissive → booleans still managed", async () => {
    const exec = new RecordingExecutor([enforce("permissive.txt"), getsebool("httpd_use_nfs", "httpd_use_nfs-off.txt"), list("boolean-list-default.txt")]);
    expect(selinuxBooleanKind.diff(NFS_ON, await selinuxBooleanKind.observe(NFS_ON, ctxWith(exec)))).toEqual(["httpd_use_nfs off → on"]);
  });

  it("SELinux disabled → fails with the reason and what to do; nothing else runs", async () => {
    const exec = new RecordingExecutor([enforce("disabled.txt")]);
    await expect(selinuxBooleanKind.observe(NFS_ON, ctxWith(exec))).rejects.toThrow(/^SELinux is disabled on this host \(getenforce: Disabled\): booleans cannot be read or set\. Enable it/);
    expect(exec.pending).toEqual([]);
  });

  it("unknown boolean → error names it", async () => {
    const exec = new RecordingExecutor([enforce(), getsebool("httpd_use_koji", "unknown.txt")]);
    await expect(selinuxBooleanKind.observe({ name: "httpd_use_koji", value: true }, ctxWith(exec))).rejects.toThrow(
      "SELinux boolean httpd_use_koji does not exist in the loaded policy (getsebool: Error getting active value for httpd_use_koji)",
    );
  });
});

/** A policy with runtime and persistent values per boolean, answering like the real tools. */
function fakeSelinux(values: Record<string, { active: boolean; persistent: boolean }>) {
  const onOff = (v: boolean) => (v ? "on" : "off");
  return new RecordingExecutor((req: ExecRequest) => {
    const [cmd, ...args] = req.argv;
    if (cmd === "/usr/sbin/getenforce") return { stdout: "Enforcing\n" };
    if (cmd === "/usr/sbin/getsebool") return { stdout: `${args[0]} --> ${onOff(values[args[0]!]!.active)}\n` };
    if (cmd === "/usr/sbin/semanage") {
      const rows = Object.entries(values).map(([n, v]) => `${n.padEnd(30)} (${onOff(v.active).padEnd(5)},${onOff(v.persistent).padStart(5)})  Allow httpd to …`);
      return { stdout: `SELinux boolean                State  Default Description\n\n${rows.join("\n")}\n` };
    }
    if (cmd === "/usr/sbin/setsebool" && args[0] === "-P") {
      values[args[1]!] = { active: args[2] === "on", persistent: args[2] === "on" };
      return {};
    }
    return undefined;
  });
}

describe("selinux-boolean noop = apply (stateful fake)", () => {
  it.each<[string, SelinuxBooleanProps, { active: boolean; persistent: boolean }, string[]]>([
    ["off → on", NFS_ON, { active: false, persistent: false }, ["httpd_use_nfs off → on"]],
    ["on at runtime only → persistent", NFS_ON, { active: true, persistent: false }, ["httpd_use_nfs persistent value off → on (runtime is already on; it would revert at boot)"]],
    ["on at boot only → runtime", NFS_ON, { active: false, persistent: true }, ["httpd_use_nfs runtime value off → on (persistent is already on)"]],
    ["on → off", { name: "httpd_use_nfs", value: false }, { active: true, persistent: true }, ["httpd_use_nfs on → off"]],
  ])("%s", async (_name, props, start, want) => {
    const exec = fakeSelinux({ httpd_use_nfs: start, httpd_anon_write: { active: false, persistent: false } });
    expect(await expectNoopMatchesApply(selinuxBooleanKind, props, ctxWith(exec))).toEqual(want);
    expect(exec.calls.filter((c) => c.argv[0] === "/usr/sbin/setsebool").map((c) => c.argv)).toEqual([["/usr/sbin/setsebool", "-P", "httpd_use_nfs", props.value ? "on" : "off"]]);
  });
});
