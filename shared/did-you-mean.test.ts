import { describe, expect, it } from "vitest";
import { closest, didYouMean, editDistance } from "./did-you-mean.js";

describe("editDistance", () => {
  it.each([
    ["", "", 0],
    ["abc", "", 3],
    ["lookasde", "lookaside", 1],
    ["kitten", "sitting", 3],
    ["flaw", "lawn", 2],
  ])("%s → %s: %d", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe("closest / didYouMean", () => {
  const ROLES = ["hub", "web", "kojira", "database", "nfs", "builder", "lookaside"];
  it.each([
    ["a letter missing → suggested", "lookasde", "lookaside"],
    ["two letters swapped → suggested", "databsae", "database"],
    ["case only → suggested", "Builder", "builder"],
    ["a short word one edit away → suggested", "hb", "hub"],
    ["far from everything → nothing", "postgres", null],
    ["one letter → nothing (too short to guess)", "x", null],
    ["an exact value → nothing to suggest", "hub", null],
  ])("%s", (_name, value, expected) => {
    expect(closest(value, ROLES)).toBe(expected);
  });

  it("didYouMean phrases the suggestion, or says nothing", () => {
    expect(didYouMean("lookasde", ROLES)).toBe(" (did you mean 'lookaside'?)");
    expect(didYouMean("postgres", ROLES)).toBe("");
  });
});
