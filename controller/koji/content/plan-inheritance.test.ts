import { describe, expect, it } from "vitest";
import type { KojiContent } from "../../config/koji-content-schema.js";
import { TagIdRef } from "./calls.js";
import { ContentHub, convergedHub, step } from "../../../test/support/koji-content-hub.js";

type Links = NonNullable<NonNullable<KojiContent["tags"]>[string]["inheritance"]>;
/** Parents a, b, c and the child whose inheritance the tests change. */
const farm = (inheritance: Links): KojiContent => ({ tags: { a: {}, b: {}, c: {}, child: { inheritance } } });
const AB: Links = [
  { parent: "a", priority: 10 },
  { parent: "b", priority: 20 },
];
const setCalls = (s: ReturnType<typeof step>) => s.plan.calls.filter((c) => c.method === "setInheritanceData").map((c) => [c.args, c.lines]);

describe("inheritance", () => {
  it("new parents: one setInheritanceData with a link per parent, parents named by id", () => {
    const hub = new ContentHub();
    hub.call_createTag(["a"], {});
    const a = hub.tags.get("a")!.id;
    const s = step(hub, farm(AB));
    expect(setCalls(s)).toEqual([
      [
        ["child", [
          { parent_id: a, priority: 10, maxdepth: null, intransitive: false, noconfig: false, pkg_filter: "" },
          { parent_id: new TagIdRef("b"), priority: 20, maxdepth: null, intransitive: false, noconfig: false, pkg_filter: "" },
        ]],
        ["+ tag child parent a priority=10", "+ tag child parent b priority=20"],
      ],
    ]);
    expect(s.plan.calls.findIndex((c) => c.method === "setInheritanceData")).toBeGreaterThan(s.plan.calls.findIndex((c) => c.args[0] === "b" && c.method === "createTag"));
    expect(s.again.calls).toEqual([]);
  });

  it("a reorder (priorities move, no swap) is one call", () => {
    const { hub, owned } = convergedHub(farm(AB));
    const s = step(hub, farm([{ parent: "a", priority: 30 }, { parent: "b", priority: 20 }]), owned);
    expect(setCalls(s).map(([, lines]) => lines)).toEqual([["~ tag child parent a: priority 10 → 30"]]);
    expect(s.again.calls).toEqual([]);
  });

  it("a priority swap is one call: Koji checks priorities on the result", () => {
    const { hub, owned } = convergedHub(farm(AB));
    const s = step(hub, farm([{ parent: "a", priority: 20 }, { parent: "b", priority: 10 }]), owned);
    expect(s.plan.calls).toHaveLength(1);
    expect(setCalls(s).map(([, lines]) => lines)).toEqual([["~ tag child parent a: priority 10 → 20", "~ tag child parent b: priority 20 → 10"]]);
    expect(s.again.calls).toEqual([]);
  });

  it("maxdepth, intransitive, noconfig and pkg_filter changes name each field", () => {
    const { hub, owned } = convergedHub(farm(AB));
    const s = step(hub, farm([{ parent: "a", priority: 10, maxdepth: 0, intransitive: true, noconfig: true, pkg_filter: "^kernel" }, AB[1]!]), owned);
    expect(setCalls(s)).toEqual([
      [
        ["child", [{ parent_id: hub.tags.get("a")!.id, priority: 10, maxdepth: 0, intransitive: true, noconfig: true, pkg_filter: "^kernel" }]],
        ["~ tag child parent a: maxdepth (none) → 0, intransitive false → true, noconfig false → true, pkg_filter (none) → ^kernel"],
      ],
    ]);
    expect(s.again.calls).toEqual([]);
  });

  it("a parent koji-fleet linked and git no longer lists is removed with a delete link", () => {
    const { hub, owned } = convergedHub(farm(AB));
    const s = step(hub, farm([AB[0]!]), owned);
    expect(setCalls(s)).toEqual([[["child", [{ parent_id: hub.tags.get("b")!.id, "delete link": true }]], ["- tag child parent b (no longer declared)"]]]);
    expect(s.owned.has("tag:child/parent:b")).toBe(false);
    expect(s.again.calls).toEqual([]);
  });

  it("a parent with state: absent is removed, linked by hand or not", () => {
    const hub = new ContentHub();
    step(hub, farm([]));
    hub.call_setInheritanceData(["child", [{ parent_id: hub.tags.get("c")!.id, priority: 5, maxdepth: null, intransitive: false, noconfig: false, pkg_filter: "" }]]);
    const s = step(hub, farm([{ parent: "c", state: "absent" }]));
    expect(s.lines).toEqual(["- tag child parent c"]);
    expect(s.again.calls).toEqual([]);
  });

  it("a parent linked by hand is reported; a declared one at its priority is a conflict", () => {
    const hub = new ContentHub();
    step(hub, farm([]));
    hub.call_setInheritanceData(["child", [{ parent_id: hub.tags.get("c")!.id, priority: 10, maxdepth: null, intransitive: false, noconfig: false, pkg_filter: "" }]]);
    const s = step(hub, farm(AB));
    expect(s.lines).toEqual(["+ tag child parent b priority=20", "! tag child parent a: priority 10 is held by unmanaged parent c", "? tag child parent c priority=10"]);
    expect(s.again.calls).toEqual([]);
  });
});
