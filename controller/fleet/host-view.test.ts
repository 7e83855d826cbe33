import { describe, expect, it } from "vitest";
import type { Catalog, Condition, HostStatus, ResourceOutcome } from "../../shared/protocol.js";
import { hostView, type HostInputs } from "./host-view.js";
import { keptStatus, type KeptStatus } from "./kept-status.js";

const NOW = new Date("2026-11-26T12:00:30.000Z");
const desired: Catalog = {
  protocol: "kf.v1.catalog", host: "h1", revision: "bbbbbbb", generation: 2, issuedAt: "2026-11-26T12:00:00.000Z",
  digest: "sha256:new", roles: ["builder"], resources: [], probes: [],
};
const ready = (status: Condition["status"], reason: string, message = ""): Condition => ({ type: "Ready", status, reason, message, lastTransitionTime: "2026-11-26T11:00:00.000Z" });
const status = (over: Partial<HostStatus> = {}): KeptStatus => keptStatus({
  protocol: "kf.v1.status", host: "h1", agentVersion: "0.1.0", startedAt: "2026-11-26T11:00:00.000Z",
  lastSeen: "2026-11-26T12:00:25.000Z", heartbeatSeconds: 15,
  observed: { revision: "bbbbbbb", generation: 2, digest: "sha256:new" },
  applied: { revision: "bbbbbbb", generation: 2, digest: "sha256:new" },
  lastConverge: null, conditions: [ready("True", "Converged")], resources: [], probes: [], ...over,
});
const view = (over: Partial<HostInputs>) =>
  hostView({ host: "h1", desired, status: status(), fleetRevision: "ccccccc", now: NOW, watchingSince: "2026-11-26T10:00:00.000Z", ...over });

describe("host view", () => {
  it("applied digest equals desired → Ready at the fleet revision, even if the catalog came from an older commit", () => {
    const v = view({});
    expect([v.phase, v.revision]).toEqual(["Ready", "ccccccc"]);
  });

  it("no status yet → Unknown with a reason and a since", () => {
    const v = view({ status: null });
    expect(v.phase).toBe("Unknown");
    expect(v.conditions[0]).toMatchObject({ reason: "NoStatus", lastTransitionTime: "2026-11-26T10:00:00.000Z" });
  });

  it("no heartbeat for 3 intervals → Unknown since the last heartbeat, never Ready", () => {
    const v = view({ status: status({ lastSeen: "2026-11-26T11:59:00.000Z" }) });
    expect(v.phase).toBe("Unknown");
    expect(v.conditions[0]).toMatchObject({ reason: "AgentSilent", lastTransitionTime: "2026-11-26T11:59:00.000Z" });
  });

  it("agent still on the old catalog → Progressing with the generation it waits for, since the catalog was issued", () => {
    const old = { revision: "aaaaaaa", generation: 1, digest: "sha256:old" };
    const v = view({ status: status({ observed: old, applied: old }) });
    expect(v.phase).toBe("Progressing");
    expect(v.revision).toBe("aaaaaaa");
    expect(v.conditions[0]).toMatchObject({ reason: "Converging", lastTransitionTime: desired.issuedAt });
    expect(v.conditions[0]?.message).toContain("generation 2");
  });

  it("agent tried the new catalog and a resource failed → Failed with the agent's reason", () => {
    const failed: Condition = { type: "Converged", status: "False", reason: "ResourceFailed", message: "file:/x: EACCES", lastTransitionTime: "2026-11-26T12:00:10.000Z" };
    const v = view({ status: status({ applied: { revision: "aaaaaaa", generation: 1, digest: "sha256:old" }, conditions: [ready("False", "ResourceFailed"), failed] }) });
    expect(v.phase).toBe("Failed");
    expect(v.conditions[0]).toMatchObject({ reason: "ResourceFailed", message: "file:/x: EACCES" });
  });

  it("converged but a probe fails → Failed with the probe named", () => {
    const v = view({ status: status({ conditions: [ready("False", "ProbeFailing", "probe p failing")] }) });
    expect(v.phase).toBe("Failed");
    expect(v.conditions[0]?.reason).toBe("ProbeFailing");
  });

  it("a host of the revision in force whose first catalog is not published yet → listed with its roles, Blocked while the rollout holds it", () => {
    const intended = { digest: "sha256:first", roles: ["builder"] };
    const queued = view({ desired: null, status: status({ observed: null, applied: null, conditions: [ready("Unknown", "NoCatalog")] }), intended });
    expect([queued.phase, queued.roles, queued.revision, queued.conditions[0]?.reason]).toEqual(["Progressing", ["builder"], null, "Queued"]);
    const waiting = { message: "waiting for hub on cs10-koji-00 (Unknown: the agent has not reported yet)", since: "2026-11-26T12:00:05.000Z" };
    const blocked = view({ desired: null, status: status({ observed: null, applied: null }), intended, waiting });
    expect([blocked.phase, blocked.conditions[0]?.message, blocked.conditions[0]?.lastTransitionTime]).toEqual(["Blocked", waiting.message, waiting.since]);
    expect(view({ desired: null, intended: null }).conditions[0]?.reason).toBe("NotInFleet");
  });

  it("converged, a probe not passing yet in the agent's start-up window → Progressing (Starting), not Failed", () => {
    const v = view({ status: status({ conditions: [ready("False", "Starting", "probe p not passing yet after the converge")] }) });
    expect([v.phase, v.conditions[0]?.reason]).toEqual(["Progressing", "Starting"]);
  });

  it("the revision in force compiles new content the rollout has not published yet → Progressing (Queued), not at the new revision", () => {
    const v = view({ intended: { digest: "sha256:newer", roles: ["database"] } });
    expect([v.phase, v.revision, v.conditions[0]?.reason]).toEqual(["Progressing", "bbbbbbb", "Queued"]);
  });

  it("a host the rollout holds back → Blocked with the rollout's reason and since", () => {
    const v = view({ intended: { digest: "sha256:newer", roles: ["database"] }, waiting: { message: "waiting for hub on cs10-koji-00 (Failed: …)", since: "2026-11-26T12:00:05.000Z" } });
    expect(v.phase).toBe("Blocked");
    expect(v.conditions[0]).toMatchObject({ reason: "WaitingForDependency", message: "waiting for hub on cs10-koji-00 (Failed: …)", lastTransitionTime: "2026-11-26T12:00:05.000Z" });
  });

  it("a host pinned to an older revision and at its content → at the pinned revision, desired the pinned one, with who and when", () => {
    const held = { kind: "pinned" as const, revision: "aaaaaaa", by: "api", since: "2026-11-26T11:30:00.000Z" };
    const v = view({ held });
    expect([v.phase, v.revision, v.desiredRevision]).toEqual(["Ready", "aaaaaaa", "aaaaaaa"]);
    expect(v.held).toEqual(held);
  });

  it("a held host not there yet → applied its old revision, desired the held one, and Queued names the held revision", () => {
    const held = { kind: "rolled-back" as const, revision: "aaaaaaa", by: "admin", since: "2026-11-26T11:30:00.000Z" };
    const v = view({ held, intended: { digest: "sha256:older", roles: ["database"] } });
    expect([v.revision, v.desiredRevision]).toEqual(["bbbbbbb", "aaaaaaa"]);
    expect(v.conditions[0]?.message).toContain("revision aaaaaaa");
  });

  it("a host not held → desired the revision in force, no hold", () => {
    const v = view({});
    expect([v.desiredRevision, v.held]).toEqual(["ccccccc", null]);
  });
  it("counts the results and lists what fails, from the kept status", () => {
    const result = (id: string, outcome: ResourceOutcome, error?: string) => ({ id, kind: "file", outcome, changes: [], durationMs: 1, ...(error !== undefined && { error }) });
    const probe = (id: string, healthy: boolean) => ({ id, healthy, output: healthy ? "ok" : "503", since: "2026-11-26T12:00:20.000Z", checkedAt: "2026-11-26T12:00:25.000Z" });
    const v = view({
      status: status({
        resources: [result("file:/a", "unchanged"), result("file:/b", "changed"), result("file:/c", "failed", "EACCES"), result("file:/d", "failed"), result("file:/e", "would-change"), result("file:/f", "skipped")],
        probes: [probe("hub", true), probe("web", false)],
      }),
    });
    expect(v.resources).toEqual({ total: 6, changed: 1, failed: 2, wouldChange: 1 });
    expect(v.failing).toEqual({
      resources: [{ id: "file:/c", error: "EACCES" }, { id: "file:/d", error: "failed" }],
      probes: [{ id: "web", output: "503", since: "2026-11-26T12:00:20.000Z" }],
    });
    expect(view({ status: null }).resources).toEqual({ total: 0, changed: 0, failed: 0, wouldChange: 0 });
  });
});
