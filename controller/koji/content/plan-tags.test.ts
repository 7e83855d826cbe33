import { describe, expect, it } from "vitest";
import type { KojiContent } from "../../config/koji-content-schema.js";
import { ContentHub, convergedHub, step } from "../../../test/support/koji-content-hub.js";

const BASE: KojiContent = {
  tags: {
    "mxos-10": { arches: ["x86_64"] },
    "mxos-10-build": { arches: ["x86_64"], inheritance: [{ parent: "mxos-10", priority: 0 }] },
    "mxos-10-candidate": { arches: ["x86_64"], inheritance: [{ parent: "mxos-10", priority: 0 }] },
  },
  targets: { "mxos-10": { build_tag: "mxos-10-build", dest_tag: "mxos-10-candidate" } },
};
const withTags = (tags: KojiContent["tags"], rest: Partial<KojiContent> = {}): KojiContent => ({ ...BASE, tags: { ...BASE.tags, ...tags }, ...rest });

describe("tags", () => {
  it("a new tag: createTag with only what differs from Koji's defaults", () => {
    const s = step(new ContentHub(), { tags: { t: { arches: ["x86_64", "aarch64"], locked: true, perm: "admin", extra: { "mock.package_manager": "dnf" } }, plain: {} } });
    expect(s.plan.calls.map((c) => [c.method, c.args, c.kwargs])).toEqual([
      ["createTag", ["plain"], {}],
      ["createTag", ["t"], { arches: "x86_64 aarch64", perm: "admin", locked: true, extra: { "mock.package_manager": "dnf" } }],
    ]);
    expect(s.lines).toEqual(["+ tag plain", '+ tag t arches=x86_64 aarch64 perm=admin locked=true extra={"mock.package_manager":"dnf"}']);
    expect(s.again.calls).toEqual([]);
  });

  it("a changed tag: one editTag2 with the fields that differ; extra keys not listed are removed", () => {
    const { hub, owned } = convergedHub(withTags({ "mxos-10": { arches: ["x86_64"], extra: { a: 1, b: 2 } } }));
    const s = step(hub, withTags({ "mxos-10": { arches: ["x86_64", "aarch64"], maven_support: true, extra: { a: 1, c: { d: true } } } }), owned);
    expect(s.plan.calls.map((c) => [c.method, c.args, c.kwargs])).toEqual([
      ["editTag2", ["mxos-10"], { arches: "x86_64 aarch64", maven_support: true, extra: { c: { d: true } }, remove_extra: ["b"] }],
    ]);
    expect(s.lines).toEqual(['~ tag mxos-10: arches x86_64 → x86_64 aarch64, maven_support false → true, extra.c (none) → {"d":true}, extra.b 2 → (none)']);
    expect(s.again.calls).toEqual([]);
  });

  it("arch order matters (the first arch builds the SRPM)", () => {
    const { hub, owned } = convergedHub(withTags({ "mxos-10": { arches: ["x86_64", "aarch64"] } }));
    expect(step(hub, withTags({ "mxos-10": { arches: ["aarch64", "x86_64"] } }), owned).lines).toEqual(["~ tag mxos-10: arches x86_64 aarch64 → aarch64 x86_64"]);
  });

  it("a converged farm plans nothing", () => {
    const { hub, owned } = convergedHub(BASE);
    const s = step(hub, BASE, owned);
    expect([s.plan.calls, s.lines]).toEqual([[], []]);
  });

  it("state: absent deletes a tag, after what uses it; nothing inside it is planned", () => {
    const { hub, owned } = convergedHub(withTags({ old: { packages: [{ name: "foo", owner: "kojiadmin" }] } }));
    const s = step(hub, withTags({ old: { state: "absent" } }), owned);
    expect(s.lines).toEqual(["- tag old"]);
    expect(s.owned.has("tag:old") || s.owned.has("tag:old/package:foo")).toBe(false);
    expect(s.again.calls).toEqual([]);
  });

  it("a tag koji-fleet created and git no longer lists is deleted", () => {
    const { hub, owned } = convergedHub(withTags({ old: {} }));
    const s = step(hub, BASE, owned);
    expect(s.lines).toEqual(["- tag old (no longer declared)"]);
    expect(s.again.calls).toEqual([]);
  });

  it("a tag made by hand and not declared is reported, never touched", () => {
    const { hub, owned } = convergedHub(BASE);
    hub.call_createTag(["f40"], { arches: "x86_64" });
    const s = step(hub, BASE, owned);
    expect([s.plan.calls, s.plan.unmanaged]).toEqual([[], ["? tag f40"]]);
  });

  it("a dropped tag an unmanaged target uses is a conflict, not a deletion (deleteTag would delete the target)", () => {
    const { hub, owned } = convergedHub(withTags({ old: {} }));
    hub.call_createBuildTarget(["by-hand", "old", "old"]);
    const s = step(hub, BASE, owned);
    expect(s.plan.calls).toEqual([]);
    expect(s.plan.conflicts).toEqual(["! tag old: no longer declared, but unmanaged target by-hand uses it (deleteTag would delete the target too); declare it with state: absent to delete it anyway"]);
  });
});

describe("targets", () => {
  it("a new target: createBuildTarget(name, build_tag, dest_tag) after its tags", () => {
    const s = step(new ContentHub(), BASE);
    const methods = s.plan.calls.map((c) => c.method);
    expect(methods.indexOf("createBuildTarget")).toBeGreaterThan(methods.lastIndexOf("createTag"));
    expect(s.plan.calls.find((c) => c.method === "createBuildTarget")).toMatchObject({ args: ["mxos-10", "mxos-10-build", "mxos-10-candidate"], lines: ["+ target mxos-10 build=mxos-10-build dest=mxos-10-candidate"] });
    expect(s.again.calls).toEqual([]);
  });

  it("a changed destination: editBuildTarget(name, name, build_tag, dest_tag)", () => {
    const { hub, owned } = convergedHub(withTags({ "mxos-10-testing": {} }));
    const s = step(hub, withTags({ "mxos-10-testing": {} }, { targets: { "mxos-10": { build_tag: "mxos-10-build", dest_tag: "mxos-10-testing" } } }), owned);
    expect(s.plan.calls.map((c) => [c.method, c.args])).toEqual([["editBuildTarget", ["mxos-10", "mxos-10", "mxos-10-build", "mxos-10-testing"]]]);
    expect(s.lines).toEqual(["~ target mxos-10: dest mxos-10-candidate → mxos-10-testing"]);
    expect(s.again.calls).toEqual([]);
  });

  it("a target and its destination tag both dropped: the target goes first", () => {
    const { hub, owned } = convergedHub(BASE);
    const s = step(hub, { tags: { "mxos-10": BASE.tags!["mxos-10"]!, "mxos-10-build": BASE.tags!["mxos-10-build"]! } }, owned);
    expect(s.lines).toEqual(["- target mxos-10 (no longer declared)", "- tag mxos-10-candidate (no longer declared)"]);
    expect(s.again.calls).toEqual([]);
  });

  it("state: absent deletes a target; an unmanaged one is reported", () => {
    const { hub, owned } = convergedHub(BASE);
    hub.call_createBuildTarget(["by-hand", "mxos-10-build", "mxos-10"]);
    const s = step(hub, { ...BASE, targets: { "mxos-10": { state: "absent" } } }, owned);
    expect(s.lines).toEqual(["- target mxos-10", "? target by-hand build=mxos-10-build dest=mxos-10"]);
    expect(s.again.calls).toEqual([]);
  });
});
