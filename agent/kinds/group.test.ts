import * as fs from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RecordingExecutor } from "../providers/executor.js";
import { groupKind, type GroupObserved, type GroupProps } from "./group.js";
import { cycle, expectNoopMatchesApply, kindContext, tempRoot, EL10 } from "../../test/support/kinds.js";

// Real groupadd/groupmod/groupdel with --prefix need root (they write <root>/etc/gshadow).
const canRunShadow = process.getuid?.() === 0 && fs.existsSync("/usr/sbin/groupadd");

let root: string;
beforeEach(() => {
  root = tempRoot();
  fs.mkdirSync(join(root, "etc"));
  fs.writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
  fs.writeFileSync(join(root, "etc/group"), "root:x:0:\nwheel:x:10:\nmock:x:135:\n");
  fs.writeFileSync(join(root, "etc/shadow"), "", { mode: 0o600 });
  fs.writeFileSync(join(root, "etc/gshadow"), "", { mode: 0o600 });
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const groupLine = (name: string): string | undefined => fs.readFileSync(join(root, "etc/group"), "utf8").split("\n").find((l) => l.startsWith(`${name}:`));
const O = (over: Partial<GroupObserved> = {}): GroupObserved => ({ group: { name: "apache", gid: 48, members: [] }, gidTakenBy: null, ...over });

describe("group diff", () => {
  it.each<[string, GroupProps, GroupObserved, string[]]>([
    ["missing group → create, naming the gid", { name: "apache", gid: 48 }, O({ group: null }), ["absent → present (gid 48)"]],
    ["missing group without gid → create", { name: "koji" }, O({ group: null }), ["absent → present"]],
    ["same gid → nothing", { name: "apache", gid: 48 }, O(), []],
    ["gid not managed → any gid is fine", { name: "apache" }, O({ group: { name: "apache", gid: 990, members: [] } }), []],
    ["gid differs → groupmod", { name: "apache", gid: 48 }, O({ group: { name: "apache", gid: 990, members: [] } }), ["gid 990 → 48"]],
    ["ensure absent, present → groupdel", { name: "apache", ensure: "absent" }, O(), ["present → absent"]],
    ["ensure absent, already absent → nothing", { name: "apache", ensure: "absent" }, O({ group: null }), []],
  ])("%s", (_name, props, observed, want) => {
    expect(groupKind.diff(props, observed)).toEqual(want);
  });
});

describe("group argv (replayed)", () => {
  it("missing system group with gid → groupadd --prefix <root> -r -g 48 apache", async () => {
    const exec = new RecordingExecutor([{ argv: ["/usr/sbin/groupadd", "--prefix", root, "-r", "-g", "48", "apache"] }]);
    const ctx = kindContext(root, { exec, sandbox: false });
    const props: GroupProps = { name: "apache", gid: 48, system: true };
    await groupKind.apply(props, await groupKind.observe(props, ctx), ctx);
    expect(exec.pending).toEqual([]);
  });

  it("production root → no --prefix; gid differs → groupmod -g only", async () => {
    fs.writeFileSync(join(root, "etc/group"), "apache:x:990:\n");
    const exec = new RecordingExecutor([{ argv: ["/usr/sbin/groupmod", "-g", "48", "apache"] }]);
    const props: GroupProps = { name: "apache", gid: 48 };
    const observed = await groupKind.observe(props, kindContext(root, { sandbox: false }));
    await groupKind.apply(props, observed, kindContext("/", { exec, sandbox: false }));
    expect(exec.calls.map((c) => c.argv)).toEqual([["/usr/sbin/groupmod", "-g", "48", "apache"]]);
  });

  it("group already right → observe reads files only, no command at all", async () => {
    const exec = new RecordingExecutor([]);
    expect((await cycle(groupKind, { name: "mock", gid: 135 }, kindContext(root, { exec, sandbox: false }))).before).toEqual([]);
    expect(exec.calls).toEqual([]);
  });

  it("wanted gid belongs to another group → refuses before running anything", async () => {
    const exec = new RecordingExecutor([]);
    const ctx = kindContext(root, { exec, sandbox: false });
    await expect(cycle(groupKind, { name: "kojibuilder", gid: 135 }, ctx)).rejects.toThrow("gid 135 is already used by group mock; refusing to create a duplicate gid");
  });

  it("groupadd fails → error carries its stderr", async () => {
    const argv = ["/usr/sbin/groupadd", "--prefix", root, "apache"];
    const exec = new RecordingExecutor([{ argv, result: { exitCode: 10, stderr: "groupadd: cannot lock /etc/group; try again later.\n" } }]);
    const ctx = kindContext(root, { exec, sandbox: false });
    await expect(cycle(groupKind, { name: "apache" }, ctx)).rejects.toThrow(`exited with code 10: groupadd: cannot lock /etc/group; try again later.`);
  });

  it("platforms are EL and Fedora; OS kind, not applied in sandbox", () => {
    expect(groupKind.platforms).toEqual(["el", "fedora"]);
    expect(groupKind.appliesInSandbox).toBe(false);
    expect(EL10.family).toBe("el");
    expect(groupKind.summary!({ name: "apache", gid: 48 })).toBe("group apache (gid 48)");
  });
});

describe.skipIf(!canRunShadow)("group against a temp root (real groupadd --prefix)", () => {
  const ctx = () => kindContext(root, { sandbox: false });

  it("missing group → groupadd; noop promised exactly that; second run unchanged", async () => {
    expect(await expectNoopMatchesApply(groupKind, { name: "apache", gid: 48, system: true }, ctx())).toEqual(["absent → present (gid 48)"]);
    expect(groupLine("apache")).toBe("apache:x:48:");
  });

  it("gid differs → groupmod -g, other lines untouched", async () => {
    expect(await expectNoopMatchesApply(groupKind, { name: "mock", gid: 490 }, ctx())).toEqual(["gid 135 → 490"]);
    expect(fs.readFileSync(join(root, "etc/group"), "utf8")).toBe("root:x:0:\nwheel:x:10:\nmock:x:490:\n");
  });

  it("ensure absent → groupdel", async () => {
    expect(await expectNoopMatchesApply(groupKind, { name: "wheel", ensure: "absent" }, ctx())).toEqual(["present → absent"]);
    expect(groupLine("wheel")).toBeUndefined();
  });
});
