import { describe, expect, it } from "vitest";
import type { ResourceResult } from "../../shared/protocol.js";
import type { ConvergeReport } from "../engine/converge.js";
import { nextConvergeDelayMs, transitionEvent } from "./transitions.js";

const result = (id: string, outcome: ResourceResult["outcome"], error?: string): ResourceResult => ({ id, kind: "file", outcome, changes: outcome === "changed" ? ["absent → present"] : [], ...(error && { error }), durationMs: 1 });
const report = (results: ResourceResult[], noop = false): ConvergeReport => ({
  results, inventory: [], pendingRefresh: [], durationMs: 5, noop,
  changed: results.filter((r) => r.outcome === "changed").length, failed: results.filter((r) => r.outcome === "failed").length,
});

describe("events on transitions", () => {
  it.each<[string, ConvergeReport, boolean, boolean, string | null]>([
    ["new catalog applied → applied", report([result("a", "changed")]), true, false, "applied"],
    ["same catalog, something changed → drift-repaired", report([result("a", "changed")]), false, false, "drift-repaired"],
    ["same catalog, nothing changed → no event", report([result("a", "unchanged")]), false, false, null],
    ["failure after success → failed", report([result("a", "failed", "EACCES")]), false, false, "failed"],
    ["failing again on the same catalog → no new event", report([result("a", "failed", "EACCES")]), false, true, null],
    ["failing on a new catalog → failed again", report([result("a", "failed", "EACCES")]), true, true, "failed"],
    ["success after failure → recovered", report([result("a", "changed")]), false, true, "recovered"],
    ["noop of a new catalog → no applied event", report([result("a", "would-change")], true), true, false, null],
  ])("%s", (_name, r, isNew, lastFailed, type) => {
    expect(transitionEvent(r, isNew, lastFailed, "abcdef1234567890")?.type ?? null).toBe(type);
  });

  it("a failure names the resources and their errors", () => {
    expect(transitionEvent(report([result("file:/x", "failed", "EACCES")]), true, false, "abc")?.message).toBe("1 resource(s) failed: file:/x: EACCES");
  });
});

describe("when to converge again", () => {
  it("after success: the re-converge interval, exactly", () => {
    expect(nextConvergeDelayMs(0, 10, 300, 0.7)).toBe(300_000);
  });

  it("after failures: retrySeconds, doubling per failed converge, capped at the re-converge interval", () => {
    expect([1, 2, 3, 4, 5, 6, 50].map((n) => nextConvergeDelayMs(n, 10, 300, 0))).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    expect(nextConvergeDelayMs(1, 600, 300, 0)).toBe(300_000);
  });

  it("jitter takes at most a fifth off, so hosts that failed together spread out", () => {
    expect(nextConvergeDelayMs(1, 10, 300, 1)).toBe(8_000);
    expect(nextConvergeDelayMs(3, 10, 300, 0.5)).toBe(36_000);
  });
});
