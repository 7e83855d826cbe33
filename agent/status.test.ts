import { describe, expect, it } from "vitest";
import { buildStatus, conditionsFor, summaryLine, type AgentFacts } from "./status.js";

const facts = (over: Partial<AgentFacts> = {}): AgentFacts => ({
  host: "h1", startedAt: "2026-11-26T12:00:00.000Z", now: "2026-11-26T12:01:00.000Z", heartbeatSeconds: 15,
  observed: { revision: "abc1234", generation: 1, digest: "sha256:x" }, applied: { revision: "abc1234", generation: 1, digest: "sha256:x" },
  lastConverge: { startedAt: "2026-11-26T12:00:59.000Z", durationMs: 5, changed: 1, failed: 0, noop: false },
  resources: [], probes: [], startingUntil: null, rejected: null, converging: false, ...over,
});
const ready = (f: AgentFacts) => conditionsFor(f, []).find((c) => c.type === "Ready")!;

describe("agent conditions", () => {
  it.each<[string, Partial<AgentFacts>, string, string]>([
    ["converged, no probes → Ready", {}, "True", "Converged"],
    ["no catalog yet → Unknown", { lastConverge: null }, "Unknown", "NoCatalog"],
    ["a failed resource → not Ready, resource named", { resources: [{ id: "file:/a", kind: "file", outcome: "failed", changes: [], error: "EACCES", durationMs: 1 }] }, "False", "ResourceFailed"],
    ["a rejected catalog → not Ready", { rejected: "catalog for host h2 refused by h1" }, "False", "CatalogRejected"],
    ["a failing probe → not Ready", { probes: [{ id: "p", healthy: false, output: "missing", since: "2026-11-26T12:00:00.000Z", checkedAt: "2026-11-26T12:01:00.000Z" }] }, "False", "ProbeFailing"],
    ["a failing probe in the start-up window → Starting", { startingUntil: "2026-11-26T12:01:00.001Z", probes: [{ id: "p", healthy: false, output: "missing", since: "2026-11-26T12:00:00.000Z", checkedAt: "2026-11-26T12:01:00.000Z" }] }, "False", "Starting"],
    ["a failing probe once the window ended → ProbeFailing", { startingUntil: "2026-11-26T12:01:00.000Z", probes: [{ id: "p", healthy: false, output: "missing", since: "2026-11-26T12:00:00.000Z", checkedAt: "2026-11-26T12:01:00.000Z" }] }, "False", "ProbeFailing"],
    ["passing probes in the window → Ready", { startingUntil: "2026-11-26T12:05:00.000Z", probes: [{ id: "p", healthy: true, output: "ok", since: "2026-11-26T12:00:00.000Z", checkedAt: "2026-11-26T12:01:00.000Z" }] }, "True", "Converged"],
  ])("%s", (_n, over, status, reason) => {
    expect(ready(facts(over))).toMatchObject({ status, reason });
  });

  it("lastTransitionTime moves only when status or reason changes", () => {
    const first = conditionsFor(facts(), []);
    const later = conditionsFor(facts({ now: "2026-11-26T13:00:00.000Z" }), first);
    expect(later.find((c) => c.type === "Ready")?.lastTransitionTime).toBe("2026-11-26T12:01:00.000Z");
    const broken = conditionsFor(facts({ now: "2026-11-26T13:00:00.000Z", rejected: "x" }), first);
    expect(broken.find((c) => c.type === "Ready")?.lastTransitionTime).toBe("2026-11-26T13:00:00.000Z");
  });

  it("builds a protocol-tagged status with the agent version", () => {
    const s = buildStatus(facts(), []);
    expect(s.protocol).toBe("kf.v1.status");
    expect(s.conditions.map((c) => c.type)).toEqual(["Ready", "Converged", "Healthy"]);
  });
});

describe("summary line (systemctl status)", () => {
  it.each<[string, Partial<AgentFacts>, string | null, string]>([
    ["converged", {}, "abc1234", "converged rev abc1234, 0 failing resource(s), 0 failing probe(s)"],
    ["no catalog yet", { applied: null, lastConverge: null }, null, "waiting for a catalog"],
    ["converging", { converging: true }, "def5678", "converging rev def5678"],
    ["rejected", { rejected: "the catalog's signature does not verify" }, "abc1234", "catalog rejected: the catalog's signature does not verify"],
  ])("%s", (_n, over, rev, line) => {
    expect(summaryLine(facts(over), rev)).toBe(line);
  });
});
