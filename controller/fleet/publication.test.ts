import { describe, expect, it } from "vitest";
import type { Catalog, CatalogContent } from "../../shared/protocol.js";
import { contentDigest, planPublication } from "./publication.js";

const content = (host: string, text = "x"): CatalogContent => ({
  host, roles: ["builder"], probes: [],
  resources: [{ id: `file:/etc/${host}`, kind: "file", props: { path: `/etc/${host}`, content: text }, requires: [], notifies: [] }],
});
const published = (c: CatalogContent, generation: number): Catalog => ({
  protocol: "kf.v1.catalog", revision: "0000001", generation, issuedAt: "2026-01-01T00:00:00.000Z", digest: contentDigest(c), ...c,
});
const AT = "2026-11-26T12:00:00.000Z";

describe("publication plan", () => {
  it("first revision: every host gets generation 1", () => {
    const plan = planPublication([content("a"), content("b")], "abc1234", new Map(), new Map(), AT);
    expect(plan.put.map((c) => [c.host, c.generation, c.revision])).toEqual([["a", 1, "abc1234"], ["b", 1, "abc1234"]]);
    expect(plan.unchanged).toEqual([]);
  });

  it("unchanged content is not republished, changed content gets the next generation", () => {
    const current = new Map([["a", published(content("a"), 4)], ["b", published(content("b"), 2)]]);
    const plan = planPublication([content("a"), content("b", "changed")], "def5678", current, new Map(), AT);
    expect(plan.unchanged).toEqual(["a"]);
    expect(plan.put.map((c) => [c.host, c.generation])).toEqual([["b", 3]]);
  });

  it("a host removed from git is removed from kf-desired", () => {
    const current = new Map([["a", published(content("a"), 1)], ["gone", published(content("gone"), 1)]]);
    expect(planPublication([content("a")], "def5678", current, new Map(), AT).remove).toEqual(["gone"]);
  });

  it("a host already retired (its catalog has no roles) is not removed again", () => {
    const retired = { ...published(content("gone"), 3), roles: [] };
    expect(planPublication([content("a")], "def5678", new Map([["gone", retired]]), new Map(), AT).remove).toEqual([]);
  });

  it("generations stay above what an agent reported even if kf-desired was lost", () => {
    const plan = planPublication([content("a")], "def5678", new Map(), new Map([["a", 9]]), AT);
    expect(plan.put[0]?.generation).toBe(10);
  });

  it("the digest covers content only, not revision or time", () => {
    expect(contentDigest(content("a"))).toBe(published(content("a"), 7).digest);
    expect(contentDigest(content("a"))).not.toBe(contentDigest(content("a", "y")));
  });
});
