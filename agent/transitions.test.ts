import { describe, expect, it } from "vitest";
import type { ResourceResult } from "../shared/protocol.js";
import type { ConvergeReport } from "./engine/converge.js";
import { transitionEvent } from "./transitions.js";

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
