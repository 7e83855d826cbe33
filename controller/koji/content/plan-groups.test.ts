import { describe, expect, it } from "vitest";
import type { GroupDecl, KojiContent } from "../../config/koji-content-schema.js";
import { ContentHub, convergedHub, step } from "../../../test/support/koji-content-hub.js";

const farm = (groups: GroupDecl[], parentGroups: GroupDecl[] = []): KojiContent => ({
  tags: { base: { groups: parentGroups }, build: { inheritance: [{ parent: "base", priority: 0 }], groups } },
});
const BUILD: GroupDecl = { name: "build", packages: ["bash", "rpm-build"] };
const calls = (s: ReturnType<typeof step>) => s.plan.calls.map((c) => [c.method, c.args, c.kwargs]);

describe("groups", () => {
  it("a new group with packages in a tag without parents: groupListAdd then groupPackageListAdd per package, only what differs from Koji's defaults", () => {
    const s = step(new ContentHub(), { tags: { build: { groups: [BUILD, { name: "srpm-build", description: "SRPM buildroot", packages: [{ name: "fedpkg-minimal", type: "default" }] }] } } });
    expect(calls(s).filter(([m]) => String(m).startsWith("group"))).toEqual([
      ["groupListAdd", ["build", "build"], {}],
      ["groupListAdd", ["build", "srpm-build"], { description: "SRPM buildroot" }],
      ["groupPackageListAdd", ["build", "build", "bash"], {}],
      ["groupPackageListAdd", ["build", "build", "rpm-build"], {}],
      ["groupPackageListAdd", ["build", "srpm-build", "fedpkg-minimal"], { type: "default" }],
    ]);
    expect(s.lines.filter((l) => l.includes("group"))).toEqual([
      "+ tag build group build",
      "+ tag build group srpm-build description=SRPM buildroot",
      "+ tag build group build package bash",
      "+ tag build group build package rpm-build",
      "+ tag build group srpm-build package fedpkg-minimal type=default",
    ]);
    expect(s.again.calls).toEqual([]);
  });

  it("in a tag that inherits, adds spell out every option and pass force: Koji compares them with what the tag inherits, which this plan may be adding too", () => {
    const s = step(new ContentHub(), farm([{ name: "build", packages: ["bash"] }], [{ name: "build", packages: [{ name: "bash", type: "optional" }] }]));
    expect(calls(s).filter(([m, args]) => String(m).startsWith("group") && (args as string[])[0] === "build")).toEqual([
      ["groupListAdd", ["build", "build"], { block: false, force: true, display_name: "build", description: null, is_default: null, uservisible: true, exported: true, langonly: null, biarchonly: false }],
      ["groupPackageListAdd", ["build", "build", "bash"], { block: false, force: true, type: "mandatory", basearchonly: null, requires: null }],
    ]);
    expect(s.lines.filter((l) => l.startsWith("+ tag build group"))).toEqual(["+ tag build group build", "+ tag build group build package bash"]);
    expect(s.again.calls).toEqual([]);
  });

  it("what a tag inherits is not trusted when the same plan changes its parents", () => {
    const hub = new ContentHub();
    const { owned } = step(hub, farm([BUILD], [BUILD]));
    const orphan: KojiContent = { tags: { base: { groups: [BUILD] }, build: { groups: [BUILD] } } };
    const s = step(hub, orphan, owned);
    expect(s.lines).toEqual(["- tag build parent base (no longer declared)", "+ tag build group build"]);
    expect(s.again.calls).toEqual([]);
  });

  it("group options change: groupListAdd with only the options that differ", () => {
    const { hub, owned } = convergedHub(farm([BUILD]));
    const s = step(hub, farm([{ ...BUILD, display_name: "Buildroot", uservisible: false }]), owned);
    expect(calls(s)).toEqual([["groupListAdd", ["build", "build"], { display_name: "Buildroot", uservisible: false }]]);
    expect(s.lines).toEqual(["~ tag build group build: display_name build → Buildroot, uservisible true → false"]);
    expect(s.again.calls).toEqual([]);
  });

  it("a package added and one dropped from a group", () => {
    const { hub, owned } = convergedHub(farm([BUILD]));
    const s = step(hub, farm([{ name: "build", packages: ["bash", "tar"] }]), owned);
    expect(calls(s)).toEqual([
      ["groupPackageListAdd", ["build", "build", "tar"], { block: false, force: true, type: "mandatory", basearchonly: null, requires: null }],
      ["groupPackageListRemove", ["build", "build", "rpm-build"], {}],
    ]);
    expect(s.lines).toEqual(["+ tag build group build package tar", "- tag build group build package rpm-build (no longer declared)"]);
    expect(s.again.calls).toEqual([]);
  });

  it("block, then unblock, a package (unblock rewrites the entry: block=False, force=True)", () => {
    const { hub, owned } = convergedHub(farm([BUILD]));
    const blocked = step(hub, farm([{ name: "build", packages: ["bash", { name: "rpm-build", blocked: true }] }]), owned);
    expect(calls(blocked)).toEqual([["groupPackageListAdd", ["build", "build", "rpm-build"], { block: true }]]);
    expect(blocked.lines).toEqual(["~ tag build group build package rpm-build: blocked false → true"]);
    const unblocked = step(hub, farm([BUILD]), blocked.owned);
    expect(calls(unblocked)).toEqual([["groupPackageListAdd", ["build", "build", "rpm-build"], { block: false, force: true }]]);
    expect(unblocked.lines).toEqual(["~ tag build group build package rpm-build: blocked true → false"]);
    expect(unblocked.again.calls).toEqual([]);
  });

  it("what the parent already provides as declared costs nothing; blocking an inherited package writes this tag's entry", () => {
    const hub = new ContentHub();
    const { owned } = step(hub, farm([], [BUILD]));
    expect(step(hub, farm([BUILD], [BUILD]), owned).plan.calls).toEqual([]);
    const s = step(hub, farm([{ name: "build", packages: ["bash", { name: "rpm-build", blocked: true }] }], [BUILD]), owned);
    expect(calls(s)).toEqual([["groupPackageListAdd", ["build", "build", "rpm-build"], { block: true }]]);
    expect(s.owned.has("tag:build/group:build/package:rpm-build")).toBe(true);
    expect(s.again.calls).toEqual([]);
  });

  it("a group with state: absent goes with its package entries; a dropped one too", () => {
    const { hub, owned } = convergedHub(farm([BUILD, { name: "srpm-build", packages: ["rpm-build"] }]));
    const s = step(hub, farm([{ name: "build", state: "absent" }]), owned);
    expect(calls(s)).toEqual([
      ["groupPackageListRemove", ["build", "build", "bash"], {}],
      ["groupPackageListRemove", ["build", "build", "rpm-build"], {}],
      ["groupPackageListRemove", ["build", "srpm-build", "rpm-build"], {}],
      ["groupListRemove", ["build", "build"], {}],
      ["groupListRemove", ["build", "srpm-build"], {}],
    ]);
    expect(s.lines).toEqual(["- tag build group build with its 2 package entries", "- tag build group srpm-build (no longer declared) with its 1 package entry"]);
    expect(s.again.calls).toEqual([]);
  });

  it("block a whole inherited group, then unblock it", () => {
    const hub = new ContentHub();
    const { owned } = step(hub, farm([], [BUILD]));
    const blocked = step(hub, farm([{ name: "build", blocked: true }], [BUILD]), owned);
    expect(calls(blocked)).toEqual([["groupListAdd", ["build", "build"], { block: true }]]);
    expect(blocked.again.calls).toEqual([]);
    const unblocked = step(hub, farm([{ name: "build" }], [BUILD]), blocked.owned);
    expect(calls(unblocked)).toEqual([["groupListAdd", ["build", "build"], { block: false, force: true }]]);
    expect(unblocked.again.calls).toEqual([]);
  });

  it("groups and group packages added by hand are reported, never removed", () => {
    const { hub, owned } = convergedHub(farm([BUILD]));
    hub.call_groupListAdd(["build", "appliance-build"], {});
    hub.call_groupPackageListAdd(["build", "build", "vim-minimal"], {});
    const s = step(hub, farm([BUILD]), owned);
    expect([s.plan.calls, s.plan.unmanaged]).toEqual([[], ["? tag build group appliance-build", "? tag build group build package vim-minimal"]]);
  });
});
