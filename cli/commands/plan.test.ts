// `koji-fleet plan` on the example fleet: the catalogs in converge order, and the per-host
// difference against a committed revision in a real git work tree.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createRemote, type Remote } from "../../test/support/git.js";
import { planCommand } from "./plan.js";

const FLEET = join(import.meta.dirname, "../../gitops/fleet.yaml");

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  vi.spyOn(console, "log").mockImplementation((s: unknown) => void (out += `${String(s)}\n`));
  vi.spyOn(console, "error").mockImplementation((s: unknown) => void (err += `${String(s)}\n`));
  const code = await planCommand.run(args);
  vi.restoreAllMocks();
  return { code, out, err };
}

describe("koji-fleet plan", () => {
  let repo: Remote;
  let example: string;
  beforeAll(async () => {
    example = await readFile(FLEET, "utf8");
    repo = await createRemote();
    await repo.commitAll("the example farm", { "fleet.yaml": example });
  });
  afterAll(() => repo?.cleanup());
  afterEach(() => vi.restoreAllMocks());

  it("prints every host's catalog, one line per resource in converge order, packages first", async () => {
    const r = await run(FLEET);
    expect(r.code).toBe(0);
    const blocks = r.out.trim().split("\n\n");
    expect(blocks.map((b) => b.split("\n")[0])).toEqual([
      expect.stringMatching(/^cs10-koji-00 \(hub, web, kojira\): \d+ resources, \d+ probes$/),
      expect.stringMatching(/^cs10-koji-01 \(database\): /),
      expect.stringMatching(/^cs10-koji-02 \(nfs\): /),
      expect.stringMatching(/^cs10-koji-03 \(builder\): /),
      expect.stringMatching(/^cs10-koji-04 \(lookaside\): /),
      expect.stringMatching(/^koji objects a fresh hub gets: /),
    ]);
    const builder = blocks[3]!.split("\n").slice(1).map((l) => l.trim().split(/\s+/).slice(0, 2).join(" "));
    // Gates wait on the controller, and the farm's names (in /etc/hosts) on nothing; everything else comes after the packages.
    expect(builder.filter((l) => !l.startsWith("gate") && !l.startsWith("hosts-entries")).slice(0, 2)).toEqual(["package package:epel", "package package:roles"]);
    expect(builder.indexOf("gate gate:koji-host-registered")).toBeLessThan(builder.indexOf("service service:kojid.service"));
    expect(r.out).toMatch(/^ {2}gate +gate:koji-host-registered +closed: waiting for koji add-host cs10-koji-03\.mx-os/m);
    expect(r.out).toMatch(/certificate:kojiweb +CN=cs10-koji-00\.mx-os,OU=kojiweb,O=mx-os-koji, server-client, SANs cs10-koji-00\.mx-os cs10-koji-00, 365 days/);
  });

  it("never prints a secret: secret files by the names of the secrets they use", async () => {
    const r = await run(FLEET, "--host", "cs10-koji-00");
    expect(r.out).toMatch(/secret-file:\/etc\/koji-hub\/hub\.conf\.d\/koji-fleet-secrets\.conf +0640 root:apache, secrets: koji-db-password$/m);
    expect(r.out).not.toContain("{{secret:");
    expect(r.out).not.toMatch(/^cs10-koji-0[1-4]/m);
  });

  it("--json gives the ordered catalog with a summary per resource", async () => {
    const r = await run(FLEET, "--host", "cs10-koji-03", "--json");
    const { hosts } = JSON.parse(r.out) as { hosts: { host: string; resources: { id: string; summary: string }[] }[] };
    expect(hosts.map((h) => h.host)).toEqual(["cs10-koji-03"]);
    expect(hosts[0]!.resources.find((x) => x.id === "mount:/mnt/koji")!.summary).toBe("cs10-koji-02.mx-os:/mnt/koji nfs4 ro,hard,_netdev");
  });

  it("--against REV: a new builder adds a host and changes the NFS export, nothing else (other hosts do not list builders' names)", async () => {
    await writeFile(join(repo.workDir, "fleet.yaml"), `${example}  - name: cs10-koji-05\n    address: 192.168.122.15\n    roles: [builder]\n`);
    const r = await run(repo.workDir, "--against", "HEAD");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines[0]).toBe("plan against HEAD: 2 host(s) change, 4 unchanged");
    expect(lines).toContain("cs10-koji-02 (nfs): 0 added, 0 removed, 1 changed");
    expect(lines).toContain("  ~ nfs-export:/mnt/koji");
    expect(lines.slice(lines.indexOf("  ~ nfs-export:/mnt/koji") + 1, lines.indexOf("  ~ nfs-export:/mnt/koji") + 3)).toEqual([
      "      clients:",
      '        + {"host":"192.168.122.15","options":["ro","sync","no_subtree_check","root_squash"]}',
    ]);
    expect(lines).toContain("cs10-koji-01 (database): unchanged");
    expect(lines.find((l) => l.startsWith("cs10-koji-05"))).toMatch(/^cs10-koji-05 \(builder\): new host, \d+ resources$/);
    const json = JSON.parse((await run(repo.workDir, "--against", "HEAD", "--json", "--host", "cs10-koji-02")).out) as { hosts: { status: string; changed: { id: string }[] }[] };
    expect(json.hosts.map((h) => [h.status, h.changed.map((c) => c.id)])).toEqual([["changed", ["nfs-export:/mnt/koji"]]]);
  });

  it("--against shows a changed config file as a line diff", async () => {
    await writeFile(join(repo.workDir, "fleet.yaml"), example.replace("maxjobs: 10", "maxjobs: 4"));
    const r = await run(repo.workDir, "--against", "HEAD", "--host", "cs10-koji-03");
    expect(r.out.split("\n")).toEqual(["plan against HEAD: 1 host(s) change, 0 unchanged", "cs10-koji-03 (builder): 0 added, 0 removed, 1 changed", "  ~ file:/etc/kojid/kojid.conf", "      content:", "        - maxjobs = 10", "        + maxjobs = 4", ""]);
  });

  it("ends with the Koji objects a fresh hub gets, one + line each; --json has them under koji; --host leaves them out", async () => {
    const r = await run(FLEET);
    const koji = r.out.trim().split("\n\n").at(-1)!.split("\n");
    expect(koji[0]).toMatch(/^koji objects a fresh hub gets: \d+ change\(s\)$/);
    expect(koji).toContain("  + tag mxos-10-build arches=x86_64 extra={\"rpm.macro.dist\":\".mx10\",\"repo.auto\":true}");
    expect(koji).toContain("  + target mxos-10 build=mxos-10-build dest=mxos-10-candidate");
    expect(koji.slice(1).every((l) => l.startsWith("  + "))).toBe(true);
    const json = JSON.parse((await run(FLEET, "--json")).out) as { koji: string[] };
    expect(json.koji).toEqual(koji.slice(1).map((l) => l.slice(2)));
    expect((await run(FLEET, "--host", "cs10-koji-00")).out).not.toContain("koji objects");
  });

  it("--against REV: the Koji objects that change from REV's content to DIR's, after the hosts", async () => {
    await writeFile(join(repo.workDir, "fleet.yaml"), example);
    expect((await run(repo.workDir, "--against", "HEAD")).out.trim().split("\n").at(-1)).toBe("koji objects against HEAD: no change");
    const testing = example
      .replace("      mxos-10-candidate:\n", "      mxos-10-testing:\n        inheritance:\n          - { parent: mxos-10, priority: 0 }\n      mxos-10-candidate:\n")
      .replace("dest_tag: mxos-10-candidate }", "dest_tag: mxos-10-testing }")
      .replace("      mxos-10:\n        arches: [x86_64]\n", "      mxos-10:\n        arches: [x86_64, aarch64]\n");
    await writeFile(join(repo.workDir, "fleet.yaml"), testing);
    const r = await run(repo.workDir, "--against", "HEAD");
    expect(r.code).toBe(0);
    const lines = r.out.trim().split("\n");
    expect(lines.slice(lines.findIndex((l) => l.startsWith("koji objects")))).toEqual([
      "koji objects against HEAD: 4 change(s)",
      "  ~ tag mxos-10: arches x86_64 → x86_64 aarch64",
      "  + tag mxos-10-testing",
      "  + tag mxos-10-testing parent mxos-10 priority=0",
      "  ~ target mxos-10: dest mxos-10-candidate → mxos-10-testing",
    ]);
    const { koji: changed } = JSON.parse((await run(repo.workDir, "--against", "HEAD", "--json")).out) as { koji: string[] };
    expect(changed).toEqual(lines.slice(-4).map((l) => l.slice(2)));
    await writeFile(join(repo.workDir, "fleet.yaml"), example.replace(/ {4}targets:\n.*\n/, ""));
    expect((await run(repo.workDir, "--against", "HEAD")).out.trim().split("\n").slice(-2)).toEqual(["koji objects against HEAD: 1 change(s)", "  - target mxos-10 (no longer declared)"]);
  });

  it.each([
    [["--bogus", FLEET], 2, /Unknown option '--bogus'/],
    [[], 2, /expected exactly one DIR\|FILE/],
    [[FLEET, "--host", "nope"], 3, /no host 'nope'/],
    [["/nonexistent"], 1, /cannot read file/],
    [["OUTSIDE", "--against", "HEAD"], 5, /git show HEAD:fleet\.yaml in .* failed/],
    [[FLEET, "--against=--all"], 2, /invalid revision .--all./],
  ] as const)("%j → exit %i", async (args, code, message) => {
    // OUTSIDE: a copy of the example in a directory that is not a git work tree.
    const outside = await mkdtemp(join(tmpdir(), "kf-plan-"));
    await writeFile(join(outside, "fleet.yaml"), example);
    const r = await run(...args.map((a) => (a === "OUTSIDE" ? outside : a)));
    await rm(outside, { recursive: true });
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
  });

  it("an invalid fleet at REV is reported with its revision as the file name", async () => {
    await repo.commitAll("broken", { "fleet.yaml": example.replace("maxjobs: 10", "maxjobs: ten") });
    await writeFile(join(repo.workDir, "fleet.yaml"), example);
    const r = await run(repo.workDir, "--against", "HEAD");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^HEAD:fleet\.yaml:\d+:\d+: .*maxjobs/m);
  });

  it("reads koji.content.include's files from the work tree and, for --against, from REV (errors named REV:file)", async () => {
    const withInclude = example.replace("\n  content:\n", "\n  content:\n    include: [koji/*.yaml]\n");
    await repo.commitAll("content in a file", { "fleet.yaml": withInclude, "koji/extra.yaml": "tags:\n  extras: { arches: x86_64 }\n" });
    await writeFile(join(repo.workDir, "koji", "extra.yaml"), "tags:\n  extras: { arches: [x86_64] }\n");
    const r = await run(repo.workDir, "--against", "HEAD");
    expect(r.code).toBe(1);
    expect(r.err).toBe("HEAD:koji/extra.yaml:2:21: /tags/extras/arches must be array\n");
    await repo.commitAll("content fixed", { "koji/extra.yaml": "tags:\n  extras: { arches: [x86_64] }\n" });
    const fixed = await run(repo.workDir, "--against", "HEAD");
    expect([fixed.code, fixed.out.split("\n")[0]]).toEqual([0, "plan against HEAD: 0 host(s) change, 5 unchanged"]);
    await writeFile(join(repo.workDir, "koji", "extra.yaml"), "tags:\n  extras: { lockd: true }\n");
    const broken = await run(repo.workDir);
    expect([broken.code, broken.err]).toEqual([1, `${join(repo.workDir, "koji", "extra.yaml")}:2:13: /tags/extras: unknown key 'lockd'\n`]);
  });
});
