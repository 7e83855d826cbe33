import * as fs from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkProps } from "../engine/props.js";
import { conflictingLines, hostsEntriesKind as kind, type HostsEntriesProps } from "./hosts-entries.js";
import { cycle, expectNoopMatchesApply, kindContext, tempRoot } from "../../test/support/kinds.js";

/** What CentOS Stream 10's setup package ships, plus a line an admin added. */
const DISTRO = `# Loopback entries; do not change.
# For historical reasons, localhost precedes localhost.localdomain:
127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4
::1         localhost localhost.localdomain localhost6 localhost6.localdomain6
# See hosts(5) for proper format and other examples:
# 192.168.1.10 foo.mydomain.org foo
10.9.9.9\tmirror.example.org   mirror # local mirror
`;
const FARM: HostsEntriesProps = {
  entries: [
    { address: "192.168.122.10", names: ["cs10-koji-00.mx-os", "cs10-koji-00"] },
    { address: "192.168.122.11", names: ["cs10-koji-01.mx-os", "cs10-koji-01"] },
  ],
};
const BLOCK = "# BEGIN koji-fleet\n192.168.122.10 cs10-koji-00.mx-os cs10-koji-00\n192.168.122.11 cs10-koji-01.mx-os cs10-koji-01\n# END koji-fleet\n";

describe("hosts-entries (real temp files)", () => {
  let root: string;
  const hosts = () => join(root, "etc/hosts");
  const text = () => fs.readFileSync(hosts(), "utf8");
  beforeEach(() => {
    root = tempRoot();
    fs.mkdirSync(join(root, "etc"));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("block appended after the distribution's lines, which stay byte for byte; the second run changes nothing", async () => {
    fs.writeFileSync(hosts(), DISTRO);
    expect(await expectNoopMatchesApply(kind, FARM, kindContext(root))).toEqual([
      "/etc/hosts: + 192.168.122.10 cs10-koji-00.mx-os cs10-koji-00",
      "/etc/hosts: + 192.168.122.11 cs10-koji-01.mx-os cs10-koji-01",
    ]);
    expect(text()).toBe(`${DISTRO}${BLOCK}`);
  });

  it("an existing block is replaced where it is: lines before and after it stay in place", async () => {
    const [head, tail] = [DISTRO.slice(0, DISTRO.indexOf("# See")), DISTRO.slice(DISTRO.indexOf("# See"))];
    fs.writeFileSync(hosts(), `${head}# BEGIN koji-fleet\n192.168.122.10   cs10-koji-00.mx-os cs10-koji-00\n192.168.122.99 cs10-koji-01.mx-os cs10-koji-01\n192.168.122.12 old.mx-os old\n# END koji-fleet\n${tail}`);
    expect(await expectNoopMatchesApply(kind, FARM, kindContext(root))).toEqual([
      "/etc/hosts: - 192.168.122.99 cs10-koji-01.mx-os cs10-koji-01",
      "/etc/hosts: - 192.168.122.12 old.mx-os old",
      "/etc/hosts: + 192.168.122.11 cs10-koji-01.mx-os cs10-koji-01",
    ]);
    expect(text()).toBe(`${head}${BLOCK}${tail}`);
  });

  it("same entries, a hand edit inside the block → the block is rewritten", async () => {
    fs.writeFileSync(hosts(), `${DISTRO}${BLOCK.replace("# END", "# mine\n# END")}`);
    expect(await expectNoopMatchesApply(kind, FARM, kindContext(root))).toEqual(["/etc/hosts: rewrite the koji-fleet block"]);
    expect(text()).toBe(`${DISTRO}${BLOCK}`);
  });

  it("ensure absent → only the block goes, each entry named; then nothing to do", async () => {
    const [head, tail] = [DISTRO.slice(0, DISTRO.indexOf("::1")), DISTRO.slice(DISTRO.indexOf("::1"))];
    fs.writeFileSync(hosts(), `${head}${BLOCK}${tail}`);
    expect(await expectNoopMatchesApply(kind, { ensure: "absent" }, kindContext(root))).toEqual([
      "/etc/hosts: - 192.168.122.10 cs10-koji-00.mx-os cs10-koji-00",
      "/etc/hosts: - 192.168.122.11 cs10-koji-01.mx-os cs10-koji-01",
    ]);
    expect(text()).toBe(DISTRO);
  });

  it("ensure absent and no file → nothing to do, no file made", async () => {
    expect(await cycle(kind, { ensure: "absent" }, kindContext(root))).toEqual({ before: [], after: [] });
    expect(fs.existsSync(hosts())).toBe(false);
  });

  it("in sandbox, no file and no /etc → both made (0644), holding just the block", async () => {
    fs.rmdirSync(join(root, "etc"));
    expect(await cycle(kind, FARM, kindContext(root))).toEqual({
      before: ["/etc/hosts: absent → present", "/etc/hosts: + 192.168.122.10 cs10-koji-00.mx-os cs10-koji-00", "/etc/hosts: + 192.168.122.11 cs10-koji-01.mx-os cs10-koji-01"],
      after: [],
    });
    expect([text(), fs.statSync(hosts()).mode & 0o7777]).toEqual([BLOCK, 0o644]);
  });

  it("a path given in props is the file managed", async () => {
    fs.writeFileSync(join(root, "etc/hosts.test"), DISTRO);
    await cycle(kind, { ...FARM, path: "/etc/hosts.test" }, kindContext(root));
    expect(fs.readFileSync(join(root, "etc/hosts.test"), "utf8")).toBe(`${DISTRO}${BLOCK}`);
  });

  it.skipIf(process.getuid?.() !== 0)("the rewritten file keeps its mode and owner (a new inode, written atomically)", async () => {
    fs.writeFileSync(hosts(), DISTRO);
    fs.chmodSync(hosts(), 0o640);
    fs.chownSync(hosts(), 1234, 4321);
    const before = fs.statSync(hosts()).ino;
    await cycle(kind, FARM, kindContext(root, { sandbox: false }));
    const st = fs.statSync(hosts());
    expect([st.mode & 0o7777, st.uid, st.gid, st.ino === before, text()]).toEqual([0o640, 1234, 4321, false, `${DISTRO}${BLOCK}`]);
  });

  it("a symlink at the path → KF_ERR_UNSAFE_PATH, neither followed nor replaced", async () => {
    fs.writeFileSync(join(root, "shadow"), "root only\n");
    fs.symlinkSync(join(root, "shadow"), hosts());
    await expect(cycle(kind, FARM, kindContext(root, { sandbox: false }))).rejects.toMatchObject({ code: "KF_ERR_UNSAFE_PATH", message: expect.stringMatching(/etc\/hosts is a symlink; refusing to follow it/) });
    expect([fs.lstatSync(hosts()).isSymbolicLink(), fs.readFileSync(join(root, "shadow"), "utf8")]).toEqual([true, "root only\n"]);
  });

  it.each([
    ["BEGIN without END", `${DISTRO}# BEGIN koji-fleet\n`],
    ["two blocks", `${BLOCK}${DISTRO}${BLOCK}`],
  ])("broken markers (%s) → observe fails, the file is left alone", async (_n, live) => {
    fs.writeFileSync(hosts(), live);
    await expect(kind.observe(FARM, kindContext(root))).rejects.toThrow(/\/etc\/hosts has \d '# BEGIN koji-fleet' and \d '# END koji-fleet' lines out of order; fix it by hand/);
    expect(text()).toBe(live);
  });

  it("one name for two addresses → observe fails naming both", async () => {
    const twice = { entries: [...FARM.entries!, { address: "192.168.122.12", names: ["CS10-koji-00"] }] };
    await expect(kind.observe(twice, kindContext(root))).rejects.toThrow("name cs10-koji-00 is listed for 192.168.122.10 and 192.168.122.12");
  });
});

describe("hosts-entries conflicting lines", () => {
  it("a line outside the block giving a farm name another address is named; loopback, comments and agreeing lines are not", () => {
    const live = `${DISTRO}127.0.1.1 cs10-koji-01.mx-os cs10-koji-01\n192.168.122.10 cs10-koji-00\n# 10.0.0.1 cs10-koji-00\n${BLOCK}`;
    expect(conflictingLines(live, FARM)).toEqual(["line 8: 127.0.1.1 cs10-koji-01.mx-os cs10-koji-01"]);
  });
});

describe("hosts-entries props", () => {
  it.each<[string, Record<string, unknown>, string | null]>([
    ["FQDN and short name", { entries: [{ address: "2001:db8::1", names: ["a.example.org", "a"] }] }, null],
    ["a name with a space", { entries: [{ address: "10.0.0.1", names: ["a b"] }] }, 'invalid props: /entries/0/names/0 must match pattern "^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$"'],
    ["an address with a newline", { entries: [{ address: "10.0.0.1\n1.2.3.4", names: ["a"] }] }, 'invalid props: /entries/0/address must match pattern "^[0-9A-Fa-f.:]{2,45}$"'],
    ["no names", { entries: [{ address: "10.0.0.1", names: [] }] }, "invalid props: /entries/0/names must NOT have fewer than 1 items"],
  ])("%s", (_n, props, message) => expect(checkProps(kind.schema, props)).toBe(message));
});
