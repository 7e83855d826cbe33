// The plan as a whole: the order across families, deletions last and in reverse, the inventory
// it keeps, and the reference farm's content from a fresh hub to converged (then nothing to do).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadFleet } from "../../config/load-fleet.js";
import type { KojiContent } from "../../config/koji-content-schema.js";
import { call, ownedAfter, resolveTagIds, TagIdRef } from "./calls.js";
import { desiredContent } from "./desired.js";
import { planContent, planLines } from "./plan.js";
import { ContentHub, convergedHub, step } from "../../../test/support/koji-content-hub.js";

const EVERYTHING: KojiContent = {
  users: { alice: { permissions: ["tag"] } },
  channels: { secure: {} },
  btypes: ["deb"],
  content_generators: { debian: { users: ["alice"] } },
  external_repos: { cs10: { url: "https://example.org/$arch/" } },
  tags: {
    child: { inheritance: [{ parent: "parent", priority: 0 }], external_repos: [{ repo: "cs10", priority: 5 }], groups: [{ name: "build", packages: ["bash"] }] },
    parent: { packages: [{ name: "foo", owner: "alice" }] },
  },
  targets: { t: { build_tag: "child", dest_tag: "parent" } },
};

describe("planContent", () => {
  it("creates what others depend on first: users, grants, channels, btypes, CGs, repos, tags (parents first), inheritance, tag repos, targets, groups, packages", () => {
    const s = step(new ContentHub(), EVERYTHING);
    expect(s.plan.calls.map((c) => `${c.method} ${String(c.args[0])}`)).toEqual([
      "createUser alice",
      "grantPermission alice",
      "addChannel secure",
      "addBType deb",
      "grantCGAccess alice",
      "createExternalRepo cs10",
      "createTag parent",
      "createTag child",
      "setInheritanceData child",
      "addExternalRepoToTag child",
      "createBuildTarget t",
      "groupListAdd child",
      "groupPackageListAdd child",
      "packageListAdd parent",
    ]);
    expect(s.again.calls).toEqual([]);
  });

  it("deletes what koji-fleet created and git dropped inside kept tags, last and in reverse order of dependency", () => {
    const { hub, owned } = convergedHub(EVERYTHING);
    const s = step(hub, { tags: { child: {}, parent: {} } }, owned);
    expect(s.plan.calls.map((c) => `${c.method} ${c.args.map((a) => (typeof a === "string" ? a : "…")).join(" ")}`)).toEqual([
      // A tag's own links change in the forward pass: one setInheritanceData, removeExternalRepoFromTag.
      "setInheritanceData child …",
      "removeExternalRepoFromTag child cs10",
      "packageListRemove parent foo",
      "groupPackageListRemove child build bash",
      "groupListRemove child build",
      "deleteBuildTarget t",
      "deleteExternalRepo cs10",
      "revokeCGAccess alice debian",
      "disableChannel secure",
      "disableUser alice",
    ]);
    expect(s.again.calls).toEqual([]);
  });

  it("deletes whole tags (children before parents) with nothing inside them planned: deleteTag takes it all", () => {
    const { hub, owned } = convergedHub(EVERYTHING);
    const s = step(hub, {}, owned);
    expect(s.plan.calls.map((c) => `${c.method} ${c.args.map(String).join(" ")}`)).toEqual([
      "deleteBuildTarget t",
      "deleteTag child",
      "deleteTag parent",
      "deleteExternalRepo cs10",
      "revokeCGAccess alice debian",
      "disableChannel secure",
      "disableUser alice",
    ]);
    expect(s.lines).toContain("? btype deb (no longer declared; Koji cannot delete a btype)");
    expect(s.again.calls).toEqual([]);
  });

  it("a converged farm plans no call and reports nothing", () => {
    const { hub, owned } = convergedHub(EVERYTHING);
    const again = planContent(desiredContent({ apiVersion: "koji-fleet/v1", fleet: { name: "f", domain: "d" }, hosts: [], koji: { content: EVERYTHING } }), hub.observe(), owned);
    expect(planLines(again)).toEqual([]);
  });

  it("is pure: the same inputs give the same plan, and planning changes nothing it is given", () => {
    const hub = new ContentHub();
    const observed = hub.observe();
    const frozen = JSON.stringify(observed);
    const a = step(new ContentHub(), EVERYTHING).plan;
    const b = step(new ContentHub(), EVERYTHING).plan;
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(observed)).toBe(frozen);
  });
});

describe("calls", () => {
  it("resolveTagIds replaces TagIdRefs anywhere in the arguments, and refuses an unknown tag", () => {
    const ids = new Map([["a", 7]]);
    expect(resolveTagIds(["x", [{ parent_id: new TagIdRef("a"), priority: 0 }]], ids)).toEqual(["x", [{ parent_id: 7, priority: 0 }]]);
    expect(() => resolveTagIds(new TagIdRef("b"), ids)).toThrow("tag 'b' has no id");
    expect(JSON.stringify(new TagIdRef("a"))).toBe('{"$tagId":"a"}');
  });

  it("ownedAfter adds what calls create and drops what they delete, with everything under it", () => {
    const done = [call("deleteTag", ["a"], {}, [], { deletes: ["tag:a"] }), call("createTag", ["b"], {}, [], { creates: ["tag:b"] })];
    expect([...ownedAfter(["tag:a", "tag:a/parent:x", "tag:ab", "user:u"], done)].sort()).toEqual(["tag:ab", "tag:b", "user:u"]);
  });
});

describe("the reference farm (gitops/fleet.yaml)", () => {
  const loaded = loadFleet(readFileSync(new URL("../../../gitops/fleet.yaml", import.meta.url)), "gitops/fleet.yaml");
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join("\n"));
  const content = loaded.fleet.koji!.content!;

  it("from a fresh hub: the MxOS 10 tags, CentOS Stream 10 repos, target, groups and people", () => {
    const hub = new ContentHub();
    const s = step(hub, content);
    expect(s.lines.filter((l) => !l.includes(" package "))).toEqual([
      "+ user mxos-packager",
      "+ user mxos-packager permission build (new permission)",
      "+ external-repo cs10-appstream url=https://mirror.stream.centos.org/10-stream/AppStream/$arch/os/",
      "+ external-repo cs10-baseos url=https://mirror.stream.centos.org/10-stream/BaseOS/$arch/os/",
      "+ external-repo cs10-crb url=https://mirror.stream.centos.org/10-stream/CRB/$arch/os/",
      "+ tag mxos-10 arches=x86_64",
      '+ tag mxos-10-build arches=x86_64 extra={"rpm.macro.dist":".mx10","repo.auto":true}',
      "+ tag mxos-10-candidate arches=x86_64",
      "+ tag mxos-10-build parent mxos-10 priority=0",
      "+ tag mxos-10-candidate parent mxos-10 priority=0",
      "+ tag mxos-10-build external-repo cs10-baseos priority=10 merge_mode=bare",
      "+ tag mxos-10-build external-repo cs10-appstream priority=20 merge_mode=bare",
      "+ tag mxos-10-build external-repo cs10-crb priority=30 merge_mode=bare",
      "+ target mxos-10 build=mxos-10-build dest=mxos-10-candidate",
      "+ tag mxos-10-build group build",
      "+ tag mxos-10-build group srpm-build",
    ]);
    expect(s.lines.filter((l) => l.includes(" group build package "))).toHaveLength(22);
    expect(s.lines.filter((l) => l.includes(" group srpm-build package "))).toHaveLength(9);
    expect(s.lines.slice(-2)).toEqual(["+ tag mxos-10 package mxos-release owner=mxos-packager", "+ tag mxos-10 package mxos-logos owner=mxos-packager"]);
    expect([s.again.calls, s.again.unmanaged, s.again.conflicts]).toEqual([[], [], []]);
  });

  it("a destination change reads as the issue shows it", () => {
    const { hub, owned } = convergedHub(content);
    const testing = { ...content, tags: { ...content.tags, "mxos-10-testing": { inheritance: [{ parent: "mxos-10", priority: 0 }] } }, targets: { "mxos-10": { build_tag: "mxos-10-build", dest_tag: "mxos-10-testing" } } };
    const s = step(hub, testing, owned);
    expect(s.lines).toEqual(["+ tag mxos-10-testing", "+ tag mxos-10-testing parent mxos-10 priority=0", "~ target mxos-10: dest mxos-10-candidate → mxos-10-testing"]);
    expect(s.again.calls).toEqual([]);
  });
});
