import { describe, expect, it } from "vitest";
import type { KojiContent } from "../../config/koji-content-schema.js";
import { ContentHub, convergedHub, step } from "../../../test/support/koji-content-hub.js";

type Pkgs = NonNullable<NonNullable<KojiContent["tags"]>[string]["packages"]>;
const USERS: KojiContent["users"] = { alice: {}, bob: {} };
const farm = (packages: Pkgs, parent: Pkgs = []): KojiContent => ({
  users: USERS,
  tags: { dest: { packages: parent }, child: { inheritance: [{ parent: "dest", priority: 0 }], packages } },
});
const FOO: Pkgs = [{ name: "foo", owner: "alice" }];
const calls = (s: ReturnType<typeof step>) => s.plan.calls.map((c) => [c.method, c.args, c.kwargs]);

describe("package lists", () => {
  it("a new entry: packageListAdd(tag, pkg, owner=) after the owner exists; in a tag that inherits, every field and force", () => {
    const s = step(new ContentHub(), farm([...FOO, { name: "bar", owner: "kojiadmin", extra_arches: ["noarch"] }], [{ name: "top", owner: "bob", blocked: true }]));
    const methods = s.plan.calls.map((c) => c.method);
    expect(methods.indexOf("createUser")).toBeLessThan(methods.indexOf("packageListAdd"));
    expect(calls(s).filter(([m]) => m === "packageListAdd")).toEqual([
      ["packageListAdd", ["dest", "top"], { owner: "bob", block: true }],
      ["packageListAdd", ["child", "foo"], { owner: "alice", block: false, extra_arches: "", force: true }],
      ["packageListAdd", ["child", "bar"], { owner: "kojiadmin", block: false, extra_arches: "noarch", force: true }],
    ]);
    expect(s.lines.filter((l) => l.includes("package"))).toEqual(["+ tag dest package top owner=bob blocked=true", "+ tag child package foo owner=alice", "+ tag child package bar owner=kojiadmin extra_arches=noarch"]);
    expect(s.again.calls).toEqual([]);
  });

  it("an owner change: packageListSetOwner(tag, pkg, owner)", () => {
    const { hub, owned } = convergedHub(farm(FOO));
    const s = step(hub, farm([{ name: "foo", owner: "bob" }]), owned);
    expect(calls(s)).toEqual([["packageListSetOwner", ["child", "foo", "bob"], {}]]);
    expect(s.lines).toEqual(["~ tag child package foo: owner alice → bob"]);
    expect(s.again.calls).toEqual([]);
  });

  it("block, then unblock (packageListAdd with block=False, force=True rewrites the entry)", () => {
    const { hub, owned } = convergedHub(farm(FOO));
    const blocked = step(hub, farm([{ name: "foo", owner: "alice", blocked: true }]), owned);
    expect(calls(blocked)).toEqual([["packageListAdd", ["child", "foo"], { owner: "alice", block: true, extra_arches: "" }]]);
    expect(blocked.lines).toEqual(["~ tag child package foo: blocked false → true"]);
    const unblocked = step(hub, farm(FOO), blocked.owned);
    expect(calls(unblocked)).toEqual([["packageListAdd", ["child", "foo"], { owner: "alice", block: false, extra_arches: "", force: true }]]);
    expect(unblocked.again.calls).toEqual([]);
  });

  it("extra_arches set and cleared", () => {
    const { hub, owned } = convergedHub(farm(FOO));
    const set = step(hub, farm([{ name: "foo", owner: "alice", extra_arches: ["i686", "noarch"] }]), owned);
    expect(set.lines).toEqual(["~ tag child package foo: extra_arches (none) → i686 noarch"]);
    const cleared = step(hub, farm(FOO), set.owned);
    expect(calls(cleared)).toEqual([["packageListAdd", ["child", "foo"], { owner: "alice", block: false, extra_arches: "" }]]);
    expect(cleared.again.calls).toEqual([]);
  });

  it("removed (state: absent), dropped, and added by hand", () => {
    const { hub, owned } = convergedHub(farm([...FOO, { name: "bar", owner: "bob" }]));
    hub.call_packageListAdd(["child", "baz"], { owner: "kojiadmin" });
    const s = step(hub, farm([{ name: "foo", state: "absent" }]), owned);
    expect(s.lines).toEqual(["- tag child package foo", "- tag child package bar (no longer declared)", "? tag child package baz owner=kojiadmin"]);
    expect(s.again.calls).toEqual([]);
  });

  it("an entry the parent provides as declared costs nothing; blocking it in the child writes the child's own", () => {
    const hub = new ContentHub();
    const { owned } = step(hub, farm([], FOO));
    expect(step(hub, farm(FOO, FOO), owned).plan.calls).toEqual([]);
    const s = step(hub, farm([{ name: "foo", owner: "alice", blocked: true }], FOO), owned);
    expect(calls(s)).toEqual([["packageListAdd", ["child", "foo"], { owner: "alice", block: true, extra_arches: "" }]]);
    expect(s.again.calls).toEqual([]);
  });

  it("an inherited entry differing in owner alone is a conflict: Koji keeps no such copy", () => {
    const hub = new ContentHub();
    const { owned } = step(hub, farm([], FOO));
    const s = step(hub, farm([{ name: "foo", owner: "bob" }], FOO), owned);
    expect(s.plan.calls).toEqual([]);
    expect(s.plan.conflicts).toEqual(["! tag child package foo: inherited from dest with owner alice; Koji cannot give this tag its own entry differing in owner alone (set the owner on dest)"]);
  });
});
