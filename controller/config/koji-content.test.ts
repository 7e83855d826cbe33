// Koji's content in fleet.yaml and the files it includes: each cross-check at file:line:col of the
// file at fault, includes resolved the same way from memory, disk and (cli/commands/plan.test.ts) git.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatConfigError } from "../../shared/yaml-config.js";
import { filesOnDisk, type RepoFiles } from "./fleet-files.js";
import { loadFleet } from "./load-fleet.js";
import { SMALL_FLEET } from "../../test/support/small-fleet.js";

const HOSTS = `${SMALL_FLEET}koji:
  content:
`;
/** Content lines start at line 10; `tags` at 10, so a tag declared on line N is at N. */
const fleet = (content: string): string => HOSTS + content;

/** An in-memory repository: path → text. */
const repoOf = (files: Record<string, string>): RepoFiles => ({
  list: (dir) => Object.keys(files).filter((p) => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "") === dir),
  read: (p) => (p in files ? Buffer.from(files[p]!) : null),
});

const errorsOf = (source: string, repo?: RepoFiles): string[] => {
  const r = loadFleet(source, "fleet.yaml", repo);
  return r.ok ? [] : r.errors.map(formatConfigError);
};

describe("content cross-checks, each at file:line:col", () => {
  const cases: Array<[string, string, string[]]> = [
    ["a target's tag is not declared", "    tags: { a: {} }\n    targets:\n      t: { build_tag: a, dest_tag: nope }\n", ["fleet.yaml:12:36: /koji/content/targets/t/dest_tag: tag 'nope' is not declared"]],
    ["a target's tag is declared absent", "    tags: { a: {}, b: { state: absent } }\n    targets:\n      t: { build_tag: a, dest_tag: b }\n", ["fleet.yaml:12:36: /koji/content/targets/t/dest_tag: tag 'b' is declared absent at fleet.yaml:10:20"]],
    ["a target without dest_tag", "    tags: { a: {} }\n    targets:\n      t: { build_tag: a }\n", ["fleet.yaml:12:10: /koji/content/targets/t: missing required key 'dest_tag'"]],
    ["an inheritance cycle (at the link closing it)", "    tags:\n      a: { inheritance: [{ parent: b, priority: 0 }] }\n      b: { inheritance: [{ parent: a, priority: 0 }] }\n", ["fleet.yaml:12:36: /koji/content/tags/b/inheritance/0/parent: inheritance cycle: a → b → a"]],
    ["a tag inheriting from itself", "    tags:\n      a: { inheritance: [{ parent: a, priority: 0 }] }\n", ["fleet.yaml:11:36: /koji/content/tags/a/inheritance/0/parent: tag 'a' cannot inherit from itself"]],
    ["a parent not declared", "    tags:\n      a: { inheritance: [{ parent: zz, priority: 0 }] }\n", ["fleet.yaml:11:36: /koji/content/tags/a/inheritance/0/parent: tag 'zz' is not declared"]],
    ["two parents at one priority", "    tags:\n      a: {}\n      b: {}\n      c:\n        inheritance:\n          - { parent: a, priority: 5 }\n          - { parent: b, priority: 5 }\n", ["fleet.yaml:16:13: /koji/content/tags/c/inheritance/1: priority 5 is already used at fleet.yaml:15:13"]],
    ["a parent listed twice", "    tags:\n      a: {}\n      c:\n        inheritance:\n          - { parent: a, priority: 5 }\n          - { parent: a, priority: 6 }\n", ["fleet.yaml:15:13: /koji/content/tags/c/inheritance/1: parent a is already used at fleet.yaml:14:13"]],
    ["an inheritance link without priority", "    tags:\n      a: {}\n      c: { inheritance: [{ parent: a }] }\n", ["fleet.yaml:12:26: /koji/content/tags/c/inheritance/0: missing required key 'priority'"]],
    ["an external repo a tag uses is not declared", "    tags:\n      c: { external_repos: [{ repo: cs10, priority: 1 }] }\n", ["fleet.yaml:11:37: /koji/content/tags/c/external_repos/0/repo: external repo 'cs10' is not declared"]],
    ["two external repos of a tag at one priority", "    external_repos: { r1: { url: 'https://a/' }, r2: { url: 'https://b/' } }\n    tags:\n      c: { external_repos: [{ repo: r1, priority: 1 }, { repo: r2, priority: 1 }] }\n", ["fleet.yaml:12:56: /koji/content/tags/c/external_repos/1: priority 1 is already used at fleet.yaml:12:29"]],
    ["an external repo without url", "    external_repos: { r1: {} }\n", ["fleet.yaml:10:27: /koji/content/external_repos/r1: missing required key 'url'"]],
    ["an absent object with more keys", "    external_repos: { r1: { state: absent, url: 'https://a/' } }\n", ["fleet.yaml:10:44: /koji/content/external_repos/r1/url: an absent external repo takes no other key than state"]],
    ["two groups of one name in a tag", "    tags:\n      c:\n        groups:\n          - { name: build }\n          - { name: build }\n", ["fleet.yaml:14:13: /koji/content/tags/c/groups/1: group build is already used at fleet.yaml:13:13"]],
    ["a package twice in a group", "    tags:\n      c:\n        groups:\n          - { name: build, packages: [bash, { name: bash, type: optional }] }\n", ["fleet.yaml:13:45: /koji/content/tags/c/groups/0/packages/1: package 'bash' is already in group 'build' at fleet.yaml:13:39"]],
    ["a blocked group listing packages", "    tags:\n      c:\n        groups:\n          - { name: build, blocked: true, packages: [bash] }\n", ["fleet.yaml:13:43: /koji/content/tags/c/groups/0/packages: group 'build' is blocked: Koji lists no packages in a blocked group"]],
    ["a package twice in a tag's list", "    tags:\n      c:\n        packages:\n          - { name: foo, owner: kojiadmin }\n          - { name: foo, owner: kojira }\n", ["fleet.yaml:14:13: /koji/content/tags/c/packages/1: package foo is already used at fleet.yaml:13:13"]],
    ["a package owner not declared", "    tags:\n      c: { packages: [{ name: foo, owner: alice }] }\n", ["fleet.yaml:11:43: /koji/content/tags/c/packages/0/owner: user 'alice' is not declared (package owners must be declared users, koji.adminUser or koji.kojiraUser)"]],
    ["a package without owner", "    tags:\n      c: { packages: [{ name: foo }] }\n", ["fleet.yaml:11:23: /koji/content/tags/c/packages/0: missing required key 'owner'"]],
    ["a content generator user not declared", "    content_generators: { debian: { users: [bob] } }\n", ["fleet.yaml:10:45: /koji/content/content_generators/debian/users/0: user 'bob' is not declared"]],
    ["a tag perm nobody is granted", "    tags: { c: { perm: releng } }\n", ["fleet.yaml:10:24: /koji/content/tags/c/perm: permission 'releng' is neither one of Koji's nor granted to a declared user"]],
    ["the admin user declared absent", "    users: { kojiadmin: { state: absent } }\n", ["fleet.yaml:10:34: /koji/content/users/kojiadmin/state: 'kojiadmin' is koji.adminUser: koji-fleet and the farm log in as it"]],
    ["the admin user losing admin", "    users: { kojiadmin: { permissions: [{ name: admin, state: absent }] } }\n", ["fleet.yaml:10:41: /koji/content/users/kojiadmin/permissions/0: koji.adminUser 'kojiadmin' must keep 'admin': koji-fleet converges the hub as it"]],
    ["a permission listed twice", "    users: { alice: { permissions: [build, build] } }\n", ["fleet.yaml:10:44: /koji/content/users/alice/permissions/1: permission 'build' is already listed at fleet.yaml:10:37"]],
    ["a schema error inside content", "    tags: { c: { arches: x86_64 } }\n", ["fleet.yaml:10:26: /koji/content/tags/c/arches must be array"]],
    ["a bad merge mode", "    external_repos: { r: { url: 'https://a/' } }\n    tags: { c: { external_repos: [{ repo: r, priority: 1, merge_mode: fancy }] } }\n", ["fleet.yaml:11:71: /koji/content/tags/c/external_repos/0: unknown merge_mode 'fancy'; allowed: koji, simple, bare"]],
  ];
  it.each(cases)("%s", (_name, content, expected) => {
    expect(errorsOf(fleet(content))).toEqual(expected);
  });

  it("accepts what is valid: a custom perm granted to a declared user, owners admin and kojira, references between absent objects", () => {
    const content = `    users: { alice: { permissions: [releng] } }
    tags:
      a: { perm: releng, packages: [{ name: x, owner: kojira }, { name: y, owner: alice }, { name: z, state: absent }] }
      old: { state: absent }
      b: { inheritance: [{ parent: a, priority: 0 }, { parent: old, state: absent }] }
    targets: { t: { build_tag: b, dest_tag: a }, gone: { state: absent } }
`;
    expect(errorsOf(fleet(content))).toEqual([]);
  });
});

describe("koji.content.include", () => {
  const main = fleet("    include: [koji/*.yaml]\n    users: { alice: {} }\n");
  const TAGS = "tags:\n  a: { packages: [{ name: foo, owner: alice }] }\n";

  it("merges the included files' content into koji.content, in file order", () => {
    const r = loadFleet(main, "fleet.yaml", repoOf({ "koji/tags.yaml": TAGS, "koji/targets.yaml": "targets: { t: { build_tag: a, dest_tag: a } }\n", "koji/notes.txt": "x" }));
    expect(r.ok && r.fleet.koji?.content).toEqual({
      include: ["koji/*.yaml"],
      users: { alice: {} },
      tags: { a: { packages: [{ name: "foo", owner: "alice" }] } },
      targets: { t: { build_tag: "a", dest_tag: "a" } },
    });
  });

  it("keeps koji.content.drift beside the merged content; an included file may not set it", () => {
    const withDrift = fleet("    include: [koji/*.yaml]\n    drift: report\n");
    const r = loadFleet(withDrift, "fleet.yaml", repoOf({ "koji/tags.yaml": "tags: { a: {} }\n" }));
    expect(r.ok && r.fleet.koji?.content).toEqual({ include: ["koji/*.yaml"], drift: "report", tags: { a: {} } });
    expect(errorsOf(withDrift, repoOf({ "koji/tags.yaml": "drift: repair\n" }))).toEqual(["koji/tags.yaml:1:1: /: unknown key 'drift'"]);
    expect(errorsOf(fleet("    drift: sometimes\n"))).toEqual(["fleet.yaml:10:12: /koji/content: unknown drift 'sometimes'; allowed: repair, report"]);
  });

  it("an error inside an included file points at that file", () => {
    expect(errorsOf(main, repoOf({ "koji/tags.yaml": "tags:\n  a: { packages: [{ name: foo, owner: bob }] }\n" }))).toEqual([
      "koji/tags.yaml:2:39: /tags/a/packages/0/owner: user 'bob' is not declared (package owners must be declared users, koji.adminUser or koji.kojiraUser)",
    ]);
    expect(errorsOf(main, repoOf({ "koji/tags.yaml": "tags:\n  a: { lockd: true }\n" }))).toEqual(["koji/tags.yaml:2:8: /tags/a: unknown key 'lockd'"]);
    expect(errorsOf(main, repoOf({ "koji/tags.yaml": "tags: [\n" }))).toEqual([expect.stringMatching(/^koji\/tags\.yaml:\d+:\d+: /)]);
  });

  it("an object declared in two files is an error at the second, naming the first", () => {
    expect(errorsOf(main, repoOf({ "koji/a.yaml": TAGS, "koji/b.yaml": "tags:\n  a: {}\n" }))).toEqual(["koji/b.yaml:2:3: /tags/a: tag 'a' is already declared at koji/a.yaml:2:3"]);
    expect(errorsOf(main, repoOf({ "koji/a.yaml": "users: { alice: {} }\n" }))).toEqual(["koji/a.yaml:1:10: /users/alice: user 'alice' is already declared at fleet.yaml:11:14"]);
  });

  it("a pattern that matches no file is an error (a typo must not drop content git still means)", () => {
    expect(errorsOf(main, repoOf({ "koji/tags.yml": TAGS }))).toEqual(["fleet.yaml:10:15: /koji/content/include/0: 'koji/*.yaml' matches no file in koji/"]);
    expect(errorsOf(main)).toEqual(["fleet.yaml:10:15: /koji/content/include/0: 'koji/*.yaml' matches no file in koji/"]);
  });

  it("a file of comments declares nothing; fleet.yaml never includes itself", () => {
    const self = fleet("    include: ['*.yaml']\n");
    expect(errorsOf(self, repoOf({ "fleet.yaml": self, "empty.yaml": "# later\n" }))).toEqual([]);
  });

  it("paths outside the repository, absolute paths and wildcards in directories are refused by the schema", () => {
    for (const bad of ["../x.yaml", "/etc/x.yaml", "koji/../x.yaml", "koji/x.json", "*/x.yaml"]) {
      expect(errorsOf(fleet(`    include: ['${bad}']\n`))).toEqual([expect.stringMatching(/^fleet\.yaml:10:15: \/koji\/content\/include\/0 must match pattern/)]);
    }
  });

  it("reads included files from disk relative to fleet.yaml", () => {
    const dir = mkdtempSync(join(tmpdir(), "kf-include-"));
    try {
      mkdirSync(join(dir, "koji"));
      writeFileSync(join(dir, "fleet.yaml"), main);
      writeFileSync(join(dir, "koji", "tags.yaml"), TAGS);
      const file = join(dir, "fleet.yaml");
      const r = loadFleet(readFileSync(file), file, filesOnDisk);
      expect(r.ok ? Object.keys(r.fleet.koji?.content?.tags ?? {}) : r.errors).toEqual(["a"]);
      writeFileSync(join(dir, "koji", "tags.yaml"), "tags: { a: { arches: 1 } }\n");
      const bad = loadFleet(readFileSync(file), file, filesOnDisk);
      expect(bad.ok ? [] : bad.errors.map(formatConfigError)).toEqual([`${join(dir, "koji", "tags.yaml")}:1:22: /tags/a/arches must be array`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
