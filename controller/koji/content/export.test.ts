// Adopting a hub: export → YAML → load as an include → plan against the same hub with nothing
// owned: no call, no conflict, nothing reported unmanaged. The hubs are the simulated ContentHub,
// built by koji-fleet's own plan (the reference farm) or by hand, call by call, as an admin would.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadFleet } from "../../config/load-fleet.js";
import type { KojiContent } from "../../config/koji-content-schema.js";
import { ContentHub, convergedHub } from "../../../test/support/koji-content-hub.js";
import { EXPORT_HEADER, roundTrip } from "../../../test/support/content-export.js";
import { exportedContent } from "./export.js";
import { exportYaml } from "./export-yaml.js";

const exported = (hub: ContentHub): KojiContent => exportedContent(hub.observe(), EXPORT_HEADER);

/** parent ← child, both with groups and packages, the child adding to and blocking what it inherits. */
function inheritingHub(): ContentHub {
  const hub = new ContentHub();
  hub.call_createUser(["alice"]);
  hub.call_createTag(["parent"], { arches: "x86_64 aarch64" });
  hub.call_createTag(["child"], {});
  hub.call_setInheritanceData(["child", [{ parent_id: hub.tags.get("parent")!.id, priority: 0, maxdepth: null, intransitive: false, noconfig: false, pkg_filter: "" }]]);
  hub.call_groupListAdd(["parent", "build"], { description: "the buildroot", uservisible: false });
  hub.call_groupListAdd(["parent", "srpm-build"], {});
  for (const p of ["bash", "tar"]) hub.call_groupPackageListAdd(["parent", "build", p], {});
  hub.call_groupPackageListAdd(["parent", "build", "make"], { type: "optional", basearchonly: true });
  hub.call_groupPackageListAdd(["child", "build", "gcc"], {});
  hub.call_groupPackageListAdd(["child", "build", "tar"], { block: true, force: true });
  hub.call_groupListAdd(["child", "srpm-build"], { block: true, force: true });
  hub.call_packageListAdd(["parent", "foo"], { owner: "alice", extra_arches: "noarch" });
  hub.call_packageListAdd(["parent", "bar"], { owner: "kojiadmin" });
  hub.call_packageListAdd(["child", "bar"], { owner: "kojiadmin", block: true, force: true });
  hub.call_packageListAdd(["child", "baz"], { owner: "alice" });
  return hub;
}

describe("export", () => {
  it("the reference farm applied to an empty hub exports its declarations back, and converging them changes nothing", () => {
    const loaded = loadFleet(readFileSync(new URL("../../../gitops/fleet.yaml", import.meta.url)), "gitops/fleet.yaml");
    if (!loaded.ok) throw new Error("gitops/fleet.yaml does not load");
    const { include: _include, ...declared } = loaded.fleet.koji!.content!;
    const { hub } = convergedHub(declared);
    const r = roundTrip(hub.observe());
    expect(r.lines).toEqual([]);
    // The same declarations, but for the order of names and of package lists.
    const sortNames = (c: KojiContent) => JSON.parse(JSON.stringify(c, (_k, v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === "string") ? [...(v as string[])].sort() : v))) as unknown;
    const { packages: _p, ...tag } = declared.tags!["mxos-10"]!;
    expect(sortNames({ ...exported(hub), tags: { ...exported(hub).tags, "mxos-10": { ...exported(hub).tags!["mxos-10"], packages: undefined } } })).toEqual(
      sortNames({ ...declared, tags: { ...declared.tags, "mxos-10": { ...tag, packages: undefined } } }),
    );
    expect(exported(hub).tags!["mxos-10"]!.packages!.map((p) => p.name)).toEqual(["mxos-logos", "mxos-release"]);
  });

  it("writes a header saying where, when and what is left out, then only what differs from Koji's defaults", () => {
    const hub = new ContentHub();
    hub.call_createTag(["plain"], {});
    const text = exportYaml(hub.observe(), EXPORT_HEADER);
    expect(text.split("\n").slice(0, 2)).toEqual(["# Koji content exported by `koji-fleet koji export` from https://hub.example/kojihub", "# at 2025-06-01T12:00:00.000Z."]);
    expect(text).toContain("#   - kojira's user, kojira (koji-fleet converges it and its repo permission)");
    expect(parse(text)).toEqual({ tags: { plain: {} }, users: { kojiadmin: { permissions: ["admin"] } } });
  });

  it("is deterministic: the same hub read twice, in any listing order, gives the same text", () => {
    const observed = inheritingHub().observe();
    const shuffled = { ...observed, tags: [...observed.tags].reverse(), users: [...observed.users].reverse(), externalRepos: [...observed.externalRepos].reverse() };
    expect(exportYaml(shuffled, EXPORT_HEADER)).toBe(exportYaml(observed, EXPORT_HEADER));
  });

  it("inherited groups and packages: each tag lists what is set on it; an inherited group the child adds to carries the options it sees", () => {
    const hub = inheritingHub();
    const tags = exported(hub).tags!;
    expect(tags.parent).toEqual({
      arches: ["x86_64", "aarch64"],
      groups: [
        { name: "build", description: "the buildroot", uservisible: false, packages: ["bash", { name: "make", type: "optional", basearchonly: true }, "tar"] },
        { name: "srpm-build" },
      ],
      packages: [
        { name: "bar", owner: "kojiadmin" },
        { name: "foo", owner: "alice", extra_arches: ["noarch"] },
      ],
    });
    expect(tags.child).toEqual({
      inheritance: [{ parent: "parent", priority: 0 }],
      groups: [
        { name: "build", description: "the buildroot", uservisible: false, packages: ["gcc", { name: "tar", blocked: true }] },
        { name: "srpm-build", blocked: true },
      ],
      packages: [
        { name: "bar", owner: "kojiadmin", blocked: true },
        { name: "baz", owner: "alice" },
      ],
    });
    expect(roundTrip(hub.observe()).lines).toEqual([]);
  });

  it("links with maxdepth, intransitive, noconfig and pkg_filter, by priority", () => {
    const hub = new ContentHub();
    for (const t of ["a", "b", "c"]) hub.call_createTag([t], {});
    const id = (t: string) => hub.tags.get(t)!.id;
    hub.call_setInheritanceData(["c", [
      { parent_id: id("b"), priority: 20, maxdepth: 0, intransitive: true, noconfig: false, pkg_filter: "" },
      { parent_id: id("a"), priority: 10, maxdepth: 2, intransitive: false, noconfig: true, pkg_filter: "^(glibc|bash)$" },
    ]]);
    expect(exported(hub).tags!.c!.inheritance).toEqual([
      { parent: "a", priority: 10, maxdepth: 2, noconfig: true, pkg_filter: "^(glibc|bash)$" },
      { parent: "b", priority: 20, maxdepth: 0, intransitive: true },
    ]);
    expect(roundTrip(hub.observe()).lines).toEqual([]);
  });

  it("external repos with merge modes and arches, by priority; the repos themselves with Koji's trailing /", () => {
    const hub = new ContentHub();
    hub.call_createExternalRepo(["base", "https://example.org/base/$arch"]);
    hub.call_createExternalRepo(["epel", "https://example.org/epel/$arch/"]);
    hub.call_createTag(["build"], { arches: "x86_64 aarch64" });
    hub.call_addExternalRepoToTag(["build", "epel", 20], { merge_mode: "simple", arches: "x86_64" });
    hub.call_addExternalRepoToTag(["build", "base", 10], {});
    const content = exported(hub);
    expect(content.external_repos).toEqual({ base: { url: "https://example.org/base/$arch/" }, epel: { url: "https://example.org/epel/$arch/" } });
    expect(content.tags!.build!.external_repos).toEqual([
      { repo: "base", priority: 10 },
      { repo: "epel", priority: 20, merge_mode: "simple", arches: ["x86_64"] },
    ]);
    expect(roundTrip(hub.observe()).lines).toEqual([]);
  });

  it("tag settings and extra with JSON values that YAML could misread (numbers as strings, nested values, null)", () => {
    const hub = new ContentHub();
    const extra = { "rpm.macro.dist": ".mx10", "mock.new_chroot": 0, version: "10", flag: "yes", nested: { a: [1, "b", null] }, empty: "", none: null };
    hub.call_createTag(["locked"], { perm: "admin", locked: true, maven_support: true, maven_include_all: true, extra });
    expect(exported(hub).tags!.locked).toEqual({ perm: "admin", locked: true, maven_support: true, maven_include_all: true, extra });
    const r = roundTrip(hub.observe());
    expect(r.text).toContain('version: "10"');
    expect(r.lines).toEqual([]);
  });

  it("users: permissions sorted, a disabled user as absent, kojira's user left out (koji-fleet converges it)", () => {
    const hub = new ContentHub();
    for (const u of ["alice", "bob", "carol"]) hub.call_createUser([u]);
    hub.call_grantPermission(["alice", "tag"], {});
    hub.call_grantPermission(["alice", "build"], { create: true });
    hub.call_grantPermission(["bob", "repo"], {});
    hub.call_disableUser(["bob"]);
    hub.call_grantPermission(["kojira", "repo"], {});
    expect(exported(hub).users).toEqual({ alice: { permissions: ["build", "tag"] }, bob: { state: "absent" }, carol: {}, kojiadmin: { permissions: ["admin"] } });
    expect(roundTrip(hub.observe()).lines).toEqual([]);
  });

  it("channels (Koji's own left out, a disabled one absent), content generators, btypes (Koji's own left out), targets", () => {
    const hub = new ContentHub();
    hub.call_createUser(["importer"]);
    hub.call_addChannel(["secure"], { description: "signed builds" });
    hub.call_addChannel(["old"], {});
    hub.call_disableChannel(["old"]);
    hub.call_disableChannel(["maven"]);
    hub.call_grantCGAccess(["importer", "debian"], { create: true });
    hub.call_addBType(["deb"]);
    hub.call_createTag(["b"], {});
    hub.call_createTag(["d"], {});
    hub.call_createBuildTarget(["t", "b", "d"]);
    const content = exported(hub);
    expect([content.channels, content.content_generators, content.btypes, content.targets]).toEqual([
      { old: { state: "absent" }, secure: { description: "signed builds" } },
      { debian: { users: ["importer"] } },
      ["deb"],
      { t: { build_tag: "b", dest_tag: "d" } },
    ]);
    expect(roundTrip(hub.observe()).lines).toEqual([]);
  });

  it("refuses a tag listed but not read: an export reads every tag", () => {
    const hub = new ContentHub();
    hub.call_createTag(["x"], {});
    expect(() => exportedContent({ ...hub.observe(), tagDetails: {} }, EXPORT_HEADER)).toThrow("tag x was listed but not read");
  });
});
