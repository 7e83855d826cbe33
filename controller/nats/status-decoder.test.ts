// The controller's compiled status decoder accepts and refuses exactly what the shared
// (interpreted) one does, with the same message.
import { describe, expect, it } from "vitest";
import type { HostStatus } from "../../shared/protocol.js";
import { decodeHostStatus } from "../../shared/validate.js";
import { decodeHostStatusCompiled } from "./status-decoder.js";

const AT = "2026-12-06T12:00:00.000Z";
const ref = { revision: "8edf09431d232eec0e39705ee9aade217fd19981", generation: 3, digest: `sha256:${"b".repeat(64)}` };
const good: HostStatus = {
  protocol: "kf.v1.status", host: "cs10-koji-03", agentVersion: "1.0.0", startedAt: AT, lastSeen: AT, heartbeatSeconds: 15, observed: ref, applied: null,
  lastConverge: { startedAt: AT, durationMs: 12, changed: 1, failed: 1, noop: false },
  conditions: [{ type: "Ready", status: "False", reason: "ResourceFailed", message: "1 failed", lastTransitionTime: AT }],
  resources: [
    { id: "file:/etc/kojid/kojid.conf", kind: "file", outcome: "changed", changes: ["content"], durationMs: 0.4 },
    { id: "service:kojid.service", kind: "service", outcome: "failed", changes: [], error: "start failed", errorCode: "KF_ERR_COMMAND_FAILED", durationMs: 3 },
  ],
  probes: [{ id: "kojid-running", healthy: false, output: "inactive", since: AT, checkedAt: AT }],
};

type Mutation = [string, (s: Record<string, unknown>) => void];
const first = (s: Record<string, unknown>, key: string): Record<string, unknown> => (s[key] as Record<string, unknown>[])[0]!;
const mutations: Mutation[] = [
  ["a missing member", (s) => delete s.lastSeen],
  ["an unknown member", (s) => (s.extra = 1)],
  ["another protocol", (s) => (s.protocol = "kf.v2.status")],
  ["a bad host name", (s) => (s.host = "Not A Host!")],
  ["a string for a number", (s) => (s.heartbeatSeconds = "15")],
  ["a heartbeat of 0", (s) => (s.heartbeatSeconds = 0)],
  ["an unknown outcome", (s) => (first(s, "resources").outcome = "exploded")],
  ["a negative duration", (s) => (first(s, "resources").durationMs = -1)],
  ["a change that is not a string", (s) => (first(s, "resources").changes = [1])],
  ["a short timestamp", (s) => (first(s, "probes").since = "today")],
  ["an unknown condition status", (s) => (first(s, "conditions").status = "Maybe")],
  ["an empty resource id", (s) => (first(s, "resources").id = "")],
  ["null for the resources", (s) => (s.resources = null)],
  ["a fractional generation", (s) => ((s.observed as Record<string, unknown>).generation = 1.5)],
];

const outcome = (decode: (b: Uint8Array) => unknown, bytes: Uint8Array): unknown => {
  try {
    return { value: decode(bytes) };
  } catch (err) {
    return { error: (err as Error).message };
  }
};

describe("decodeHostStatusCompiled", () => {
  it("accepts a valid status as the shared decoder does", () => {
    const bytes = Buffer.from(JSON.stringify(good));
    expect(decodeHostStatusCompiled(bytes)).toEqual(good);
  });

  it.each(mutations)("refuses %s with the shared decoder's message", (_, mutate) => {
    const s = structuredClone(good) as unknown as Record<string, unknown>;
    mutate(s);
    const bytes = Buffer.from(JSON.stringify(s));
    const shared = outcome(decodeHostStatus, bytes);
    expect(shared).toHaveProperty("error");
    expect(outcome(decodeHostStatusCompiled, bytes)).toEqual(shared);
  });
});
