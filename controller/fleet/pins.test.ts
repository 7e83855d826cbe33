// Pure: what the pins make of a revision's compiled contents.
import { describe, expect, it } from "vitest";
import type { CatalogContent } from "../../shared/protocol.js";
import { holdPinned, pinnedRevisions } from "./pins.js";

const content = (host: string, text: string): CatalogContent => ({
  host, roles: ["builder"], probes: [],
  resources: [{ id: `file:/etc/${host}`, kind: "file", props: { path: `/etc/${host}`, content: text }, requires: [], notifies: [] }],
});
const HEAD = "c".repeat(40);
const OLD = "a".repeat(40);
const BAD = "b".repeat(40);
const pinned: Record<string, string> = { h1: OLD, h2: BAD, h3: HEAD, h4: OLD };
const revisionFor = (host: string) => pinned[host] ?? null;
const head = ["h0", "h1", "h2", "h3", "h4", "h5"].map((h) => content(h, "head"));

describe("pins on a compiled revision", () => {
  it("names each revision other than head once, in the order hosts first need it", () => {
    expect(pinnedRevisions(head.map((c) => c.host), HEAD, revisionFor)).toEqual([OLD, BAD]);
    expect(pinnedRevisions(head.map((c) => c.host), HEAD, () => null)).toEqual([]);
  });

  it("holds pinned hosts at their revision's content; an invalid revision, or one without the host, follows head", () => {
    const held = holdPinned(head, HEAD, revisionFor, new Map([[OLD, [content("h1", "old")]], [BAD, null]]));
    expect(held.contents.map((c) => [c.host, c.resources[0]?.props.content])).toEqual([
      ["h0", "head"], ["h1", "old"], ["h2", "head"], ["h3", "head"], ["h4", "head"], ["h5", "head"],
    ]);
    expect([...held.revisionOf]).toEqual([["h1", OLD]]);
    expect(held.followingHead).toEqual([{ host: "h2", revision: BAD }, { host: "h4", revision: OLD }]);
  });
});
