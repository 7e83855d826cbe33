// `koji-fleet plan --against REV` without a hub: REV's content as a hub would hold it once
// koji-fleet converged it, DIR's content planned against that. Each case is also planned against
// the simulated hub really converged to REV (ContentHub): the lines must be the same.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadFleet } from "../../config/load-fleet.js";
import type { KojiContent } from "../../config/koji-content-schema.js";
import { ContentHub, convergedHub, KNOWN, step } from "../../../test/support/koji-content-hub.js";
import { randomContent } from "../../../test/support/random-content.js";
import { asDeclared, freshHub } from "./as-declared.js";
import { desiredContentOf } from "./desired.js";
import { planContent, planLines } from "./plan.js";

const loaded = loadFleet(readFileSync(new URL("../../../gitops/fleet.yaml", import.meta.url)), "gitops/fleet.yaml");
if (!loaded.ok) throw new Error("gitops/fleet.yaml does not load");
const { include: _include, ...FARM } = loaded.fleet.koji!.content!;

/** The Koji lines from `before` to `after`, offline; checked against the simulated hub converged to `before`. */
function lines(before: KojiContent, after: KojiContent): string[] {
  const { observed, owned } = asDeclared(desiredContentOf(before, KNOWN));
  const offline = planLines(planContent(desiredContentOf(after, KNOWN), observed, owned));
  const hub = convergedHub(before);
  expect(offline, "the same as against a hub converged to `before`").toEqual(step(hub.hub, after, hub.owned).lines);
  return offline;
}

const withTags = (tags: KojiContent["tags"]): KojiContent => ({ ...FARM, tags: { ...FARM.tags, ...tags } });

describe("asDeclared", () => {
  it("the same content plans no line", () => {
    expect(lines(FARM, FARM)).toEqual([]);
  });

  it("a tag added: + tag …", () => {
    expect(lines(FARM, withTags({ "mxos-10-extras": { arches: ["x86_64"], inheritance: [{ parent: "mxos-10", priority: 0 }] } }))).toEqual([
      "+ tag mxos-10-extras arches=x86_64",
      "+ tag mxos-10-extras parent mxos-10 priority=0",
    ]);
  });

  it("a target's destination changed: ~ target …", () => {
    const testing = { ...withTags({ "mxos-10-testing": {} }), targets: { "mxos-10": { build_tag: "mxos-10-build", dest_tag: "mxos-10-testing" } } };
    expect(lines(withTags({ "mxos-10-testing": {} }), testing)).toEqual(["~ target mxos-10: dest mxos-10-candidate → mxos-10-testing"]);
  });

  it("a tag dropped from git is deleted, as koji-fleet created it; so are its target and a user's permission", () => {
    const { "mxos-10-candidate": _c, ...tags } = FARM.tags!;
    const dropped: KojiContent = { ...FARM, tags, targets: {}, users: { ...FARM.users, "mxos-packager": {} } };
    expect(lines(FARM, dropped)).toEqual(["- target mxos-10 (no longer declared)", "- tag mxos-10-candidate (no longer declared)", "- user mxos-packager permission build (no longer declared)"]);
  });

  it("reads groups and packages through inheritance: a child newly declaring what its parent provides plans nothing", () => {
    const base: KojiContent = { users: { p: {} }, tags: { parent: { groups: [{ name: "build", packages: ["bash"] }], packages: [{ name: "foo", owner: "p" }] }, child: { inheritance: [{ parent: "parent", priority: 0, pkg_filter: "^f" }] } } };
    const redeclared: KojiContent = { ...base, tags: { ...base.tags, child: { ...base.tags!.child, groups: [{ name: "build", packages: ["bash"] }], packages: [{ name: "foo", owner: "p" }] } } };
    expect(lines(base, redeclared)).toEqual([]);
    // Through a filter that lets it pass only: a package it does not match is the child's own.
    const filtered: KojiContent = { ...base, tags: { parent: { ...base.tags!.parent, packages: [{ name: "bar", owner: "p" }] }, child: { ...base.tags!.child, packages: [{ name: "bar", owner: "p" }] } } };
    expect(lines({ ...base, tags: { ...base.tags, parent: filtered.tags!.parent! } }, filtered)).toEqual(["+ tag child package bar owner=p"]);
  });

  it("users, permissions, channels, content generators and btypes: absent ones stay (Koji cannot delete them), disabled", () => {
    const before: KojiContent = { users: { a: { permissions: ["build"] }, b: {} }, channels: { c: { description: "x" } }, content_generators: { cg: { users: ["a"] } }, btypes: ["deb"] };
    const after: KojiContent = { users: { a: { permissions: ["build", "sign"] }, b: { state: "absent" } }, channels: { c: { state: "absent" } }, content_generators: { cg: { users: [{ name: "a", state: "absent" }] } }, btypes: ["deb"] };
    expect(lines(before, after)).toEqual([
      "+ user a permission sign",
      "- content-generator cg user a",
      "- channel c (disabled: Koji cannot delete a channel)",
      "- user b (disabled: Koji cannot delete a user)",
    ]);
    expect(lines(after, after)).toEqual([]);
  });
});

describe("asDeclared on random contents", () => {
  it("60 random pairs (REV, DIR): the offline lines are the lines against the hub converged to REV, but where tags redeclare what they inherit", () => {
    const differ = { own: 0, shared: 0 };
    let lineCount = 0;
    for (let seed = 1; seed <= 60; seed++) {
      for (const shared of [false, true]) {
        const [rev, dir] = [randomContent(seed, shared), randomContent(seed + 1000, shared)];
        const { observed, owned } = asDeclared(desiredContentOf(rev, KNOWN));
        const offline = planLines(planContent(desiredContentOf(dir, KNOWN), observed, owned));
        const hub = convergedHub(rev);
        const real = step(hub.hub, dir, hub.owned).lines;
        lineCount += real.length;
        if (JSON.stringify(offline) !== JSON.stringify(real)) differ[shared ? "shared" : "own"]++;
      }
    }
    expect(lineCount).toBeGreaterThan(2000);
    // Each tag's groups and packages its own: always the same. Tags redeclaring their parents'
    // entries with another owner: which entry Koji keeps then depends on its no-op rules.
    expect(differ.own).toBe(0);
    expect(differ.shared).toBeLessThan(4);
  });
});

describe("freshHub", () => {
  it("the reference farm against a fresh hub plans what the simulated empty hub plans", () => {
    const fresh = planLines(planContent(desiredContentOf(FARM, KNOWN), freshHub(KNOWN)));
    expect(fresh).toEqual(step(new ContentHub(), FARM).lines);
    expect(fresh[0]).toBe("+ user mxos-packager");
  });
});
