import * as fs from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RecordingExecutor } from "../providers/executor.js";
import { userKind, type UserObserved, type UserProps } from "./user.js";
import { cycle, expectNoopMatchesApply, kindContext, tempRoot } from "../../test/support/kinds.js";

// Real useradd/usermod/userdel with --prefix need root (they write <root>/etc/shadow).
const canRunShadow = process.getuid?.() === 0 && fs.existsSync("/usr/sbin/useradd");

let root: string;
beforeEach(() => {
  root = tempRoot();
  fs.mkdirSync(join(root, "etc"));
  fs.writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\nkojibuilder:x:1001:1001::/home/kojibuilder:/bin/bash\n");
  fs.writeFileSync(join(root, "etc/group"), "root:x:0:\nwheel:x:10:kojibuilder\napache:x:48:\nmock:x:135:\nkojibuilder:x:1001:\n");
  fs.writeFileSync(join(root, "etc/shadow"), "root:*:19000:0:99999:7:::\nkojibuilder:!:19000:0:99999:7:::\n", { mode: 0o600 });
  fs.writeFileSync(join(root, "etc/gshadow"), "", { mode: 0o600 });
  // EL's login.defs choices that matter here: user private groups, homes not created for -M.
  fs.writeFileSync(join(root, "etc/login.defs"), "USERGROUPS_ENAB yes\nCREATE_HOME no\nUID_MIN 1000\nSYS_UID_MIN 201\nSYS_UID_MAX 999\nGID_MIN 1000\nSYS_GID_MIN 201\nSYS_GID_MAX 999\n");
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const read = (f: string): string => fs.readFileSync(join(root, f), "utf8");
const line = (f: string, name: string): string | undefined => read(f).split("\n").find((l) => l.startsWith(`${name}:`));

const KB = { name: "kojibuilder", uid: 1001, gid: 1001, comment: "", home: "/home/kojibuilder", shell: "/bin/bash" };
const O = (over: Partial<UserObserved> = {}): UserObserved => ({ user: KB, primaryGroup: "kojibuilder", wantGid: null, supplementary: ["wheel"], uidTakenBy: null, ...over });

describe("user diff", () => {
  it.each<[string, UserProps, UserObserved, string[]]>([
    ["missing user → create", { name: "kojibuilder" }, O({ user: null }), ["absent → present"]],
    ["nothing managed differs → nothing", { name: "kojibuilder", uid: 1001, shell: "/bin/bash" }, O(), []],
    ["uid differs → one line naming both uids", { name: "kojibuilder", uid: 48 }, O(), ["uid 1001 → 48"]],
    ["primary group differs → by name", { name: "kojibuilder", group: "mock" }, O({ wantGid: 135 }), ["primary group kojibuilder → mock"]],
    ["primary group given as the same gid → nothing", { name: "kojibuilder", group: "1001" }, O({ wantGid: 1001 }), []],
    ["primary group that does not exist yet → still a change", { name: "kojibuilder", group: "koji" }, O({ wantGid: null }), ["primary group kojibuilder → koji"]],
    ["minimum membership, missing mock → add only", { name: "kojibuilder", groups: ["mock"] }, O(), ["supplementary groups: add mock"]],
    ["minimum membership, already in mock and more → nothing", { name: "kojibuilder", groups: ["mock"] }, O({ supplementary: ["wheel", "mock"] }), []],
    ["exact membership, extra wheel → remove it", { name: "kojibuilder", groups: ["mock"], groupsMembership: "exact" }, O({ supplementary: ["wheel", "mock"] }), ["supplementary groups: remove wheel"]],
    ["exact, empty list → remove all", { name: "kojibuilder", groups: [], groupsMembership: "exact" }, O(), ["supplementary groups: remove wheel"]],
    ["home, shell, comment → one line each", { name: "kojibuilder", home: "/builddir", shell: "/sbin/nologin", comment: "Koji builder" }, O(), ["home /home/kojibuilder → /builddir", "shell /bin/bash → /sbin/nologin", 'comment "" → "Koji builder"']],
    ["ensure absent, present → userdel", { name: "kojibuilder", ensure: "absent" }, O(), ["present → absent"]],
    ["ensure absent, absent → nothing", { name: "kojibuilder", ensure: "absent" }, O({ user: null }), []],
  ])("%s", (_name, props, observed, want) => {
    expect(userKind.diff(props, observed)).toEqual(want);
  });
});

describe("user argv (replayed)", () => {
  const run = async (props: UserProps, argv: string[]) => {
    const exec = new RecordingExecutor([{ argv }]);
    const ctx = kindContext(root, { exec, sandbox: false });
    await userKind.apply(props, await userKind.observe(props, ctx), ctx);
    return exec;
  };
  const P = ["/usr/sbin/useradd", "--prefix"];

  it("missing system user → useradd -r -u -g -G -d -s -c -M, in that order", async () => {
    const props: UserProps = { name: "apache", uid: 48, group: "apache", groups: ["mock"], home: "/usr/share/httpd", shell: "/sbin/nologin", comment: "Apache", system: true, createHome: false };
    await run(props, [...P, root, "-r", "-u", "48", "-g", "apache", "-G", "mock", "-d", "/usr/share/httpd", "-s", "/sbin/nologin", "-c", "Apache", "-M", "apache"]);
  });

  it("uid 1001 → 48 and a missing group (minimum) → one usermod -u 48 -a -G mock", async () => {
    await run({ name: "kojibuilder", uid: 48, groups: ["mock"] }, ["/usr/sbin/usermod", "--prefix", root, "-u", "48", "-a", "-G", "mock", "kojibuilder"]);
  });

  it("exact membership with an extra group → usermod -G with the full wanted list (no -a)", async () => {
    await run({ name: "kojibuilder", groups: ["mock", "apache"], groupsMembership: "exact" }, ["/usr/sbin/usermod", "--prefix", root, "-G", "mock,apache", "kojibuilder"]);
  });

  it("primary group differs → usermod -g by name", async () => {
    await run({ name: "kojibuilder", group: "mock" }, ["/usr/sbin/usermod", "--prefix", root, "-g", "mock", "kojibuilder"]);
  });

  it("ensure absent → userdel without -r (home is kept)", async () => {
    await run({ name: "kojibuilder", ensure: "absent" }, ["/usr/sbin/userdel", "--prefix", root, "kojibuilder"]);
  });

  it("account already right → no command at all", async () => {
    const exec = new RecordingExecutor([]);
    const r = await cycle(userKind, { name: "kojibuilder", uid: 1001, group: "kojibuilder", groups: ["wheel"] }, kindContext(root, { exec, sandbox: false }));
    expect(r.before).toEqual([]);
    expect(exec.calls).toEqual([]);
  });

  it("wanted uid belongs to another account → refuses, runs nothing", async () => {
    const exec = new RecordingExecutor([]);
    await expect(cycle(userKind, { name: "kojibuilder", uid: 0 }, kindContext(root, { exec, sandbox: false }))).rejects.toThrow("uid 0 is already used by user root; refusing to create a duplicate uid");
  });

  it("usermod -u while the user runs processes → error with usermod's own words", async () => {
    const argv = ["/usr/sbin/usermod", "--prefix", root, "-u", "48", "kojibuilder"];
    const exec = new RecordingExecutor([{ argv, result: { exitCode: 8, stderr: "usermod: user kojibuilder is currently used by process 4242\n" } }]);
    await expect(cycle(userKind, { name: "kojibuilder", uid: 48 }, kindContext(root, { exec, sandbox: false }))).rejects.toThrow("exited with code 8: usermod: user kojibuilder is currently used by process 4242");
  });
});

describe.skipIf(!canRunShadow)("user against a temp root (real useradd --prefix)", () => {
  const ctx = () => kindContext(root, { sandbox: false });

  it("missing user with fixed ids → useradd; noop promised exactly that", async () => {
    const props: UserProps = { name: "apache", uid: 48, group: "apache", home: "/usr/share/httpd", shell: "/sbin/nologin", comment: "Apache", system: true, createHome: false };
    expect(await expectNoopMatchesApply(userKind, props, ctx())).toEqual(["absent → present"]);
    expect(line("etc/passwd", "apache")).toBe("apache:x:48:48:Apache:/usr/share/httpd:/sbin/nologin");
  });

  it("new user without group → user private group (USERGROUPS_ENAB), in mock", async () => {
    await expectNoopMatchesApply(userKind, { name: "kojiadmin", groups: ["mock"], createHome: false }, ctx());
    expect(line("etc/group", "kojiadmin")).toMatch(/^kojiadmin:x:\d+:$/);
    expect(line("etc/group", "mock")).toBe("mock:x:135:kojiadmin");
  });

  it("uid 1001 → 48 → usermod -u only; primary group and memberships stay", async () => {
    expect(await expectNoopMatchesApply(userKind, { name: "kojibuilder", uid: 48 }, ctx())).toEqual(["uid 1001 → 48"]);
    expect(line("etc/passwd", "kojibuilder")).toBe("kojibuilder:x:48:1001::/home/kojibuilder:/bin/bash");
    expect(line("etc/group", "wheel")).toBe("wheel:x:10:kojibuilder");
  });

  it("minimum membership → added to mock, wheel kept", async () => {
    expect(await expectNoopMatchesApply(userKind, { name: "kojibuilder", groups: ["mock"] }, ctx())).toEqual(["supplementary groups: add mock"]);
    expect([line("etc/group", "wheel"), line("etc/group", "mock")]).toEqual(["wheel:x:10:kojibuilder", "mock:x:135:kojibuilder"]);
  });

  it("exact membership → in mock, out of wheel", async () => {
    const lines = await expectNoopMatchesApply(userKind, { name: "kojibuilder", groups: ["mock"], groupsMembership: "exact" }, ctx());
    expect(lines).toEqual(["supplementary groups: add mock", "supplementary groups: remove wheel"]);
    expect([line("etc/group", "wheel"), line("etc/group", "mock")]).toEqual(["wheel:x:10:", "mock:x:135:kojibuilder"]);
  });

  // Primary group (-g) is covered by the replay tests only: shadow < 4.14 resolves `usermod
  // --prefix -g` on the host, not under the prefix (shadow-maint/shadow#691; EL10 has 4.15).
  it("home, shell, comment → one usermod fixes all three", async () => {
    const props: UserProps = { name: "kojibuilder", home: "/builddir", shell: "/sbin/nologin", comment: "Koji builder" };
    expect(await expectNoopMatchesApply(userKind, props, ctx())).toHaveLength(3);
    expect(line("etc/passwd", "kojibuilder")).toBe("kojibuilder:x:1001:1001:Koji builder:/builddir:/sbin/nologin");
  });

  it("ensure absent → userdel; passwd and shadow lines gone", async () => {
    expect(await expectNoopMatchesApply(userKind, { name: "kojibuilder", ensure: "absent" }, ctx())).toEqual(["present → absent"]);
    expect([line("etc/passwd", "kojibuilder"), line("etc/shadow", "kojibuilder")]).toEqual([undefined, undefined]);
  });
});
