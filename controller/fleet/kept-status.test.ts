import { describe, expect, it } from "vitest";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Catalog, HostStatus } from "../../shared/protocol.js";
import { decodeHostStatus } from "../../shared/validate.js";
import { keptStatus, MAX_WORD_LENGTH, MAX_WORDS, wordsKept } from "./kept-status.js";

const AT = "2026-12-06T12:00:00.000Z";
const catalog: Catalog = {
  protocol: "kf.v1.catalog", host: "lk-0001", revision: "8edf09431d232eec0e39705ee9aade217fd19981", generation: 3, issuedAt: AT,
  digest: `sha256:${"b".repeat(64)}`, roles: ["lookaside"],
  resources: Array.from({ length: 26 }, (_, i) => ({ id: `file:/etc/httpd/conf.d/koji-fleet-part-${i}.conf`, kind: "file", props: {}, requires: [], notifies: [] })),
  probes: Array.from({ length: 6 }, (_, i) => ({ id: `lookaside-probe-${i}`, kind: "http", props: {} })),
} as unknown as Catalog;

/** The status an agent sends after a no-op converge of `catalog`, as the bytes the controller decodes. */
const statusBytes = (): Uint8Array => {
  const ref = { revision: catalog.revision, generation: catalog.generation, digest: catalog.digest };
  const s: HostStatus = {
    protocol: "kf.v1.status", host: catalog.host, agentVersion: "1.0.0", startedAt: AT, lastSeen: AT, heartbeatSeconds: 15, observed: ref, applied: ref,
    lastConverge: { startedAt: AT, durationMs: 12, changed: 0, failed: 0, noop: false }, conditions: [],
    resources: catalog.resources.map((r) => ({ id: r.id, kind: r.kind, outcome: "unchanged", changes: [], durationMs: 0.4 })),
    probes: catalog.probes.map((p) => ({ id: p.id, healthy: true, output: "ok", since: AT, checkedAt: AT })),
  };
  return Buffer.from(JSON.stringify(s));
};

describe("keptStatus", () => {
  it("keeps every value but the results, which it counts, listing what fails; with or without a catalog in force", () => {
    const bytes = statusBytes();
    const { resources, probes, ...rest } = decodeHostStatus(bytes);
    const expected = { ...rest, resources: { total: resources.length, changed: 0, failed: 0, wouldChange: 0 }, failing: { resources: [], probes: [] } };
    expect(keptStatus(decodeHostStatus(bytes), catalog)).toEqual(expected);
    expect(keptStatus(decodeHostStatus(bytes))).toEqual(expected);

    const broken = decodeHostStatus(bytes);
    broken.resources[3] = { ...broken.resources[3]!, outcome: "failed", error: "EACCES" };
    broken.resources[4] = { ...broken.resources[4]!, outcome: "changed", changes: ["mode 0600 → 0644"] };
    broken.resources[5] = { ...broken.resources[5]!, outcome: "would-change" };
    broken.probes[1] = { ...broken.probes[1]!, healthy: false, output: "503 Service Unavailable" };
    const kept = keptStatus(broken, catalog);
    expect([kept.resources, kept.failing]).toEqual([
      { total: 26, changed: 1, failed: 1, wouldChange: 1 },
      { resources: [{ id: catalog.resources[3]!.id, error: "EACCES" }], probes: [{ id: catalog.probes[1]!.id, output: "503 Service Unavailable", since: AT }] },
    ]);
  });

  it("kept statuses take a fraction of the heap of statuses as parsed", () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const heapAfterGc = (): number => {
      for (let i = 0; i < 3; i++) gc();
      return process.memoryUsage().heapUsed;
    };
    const held = (share: boolean): number => {
      const base = heapAfterGc();
      const kept = Array.from({ length: 2_000 }, () => (share ? keptStatus(decodeHostStatus(statusBytes()), catalog) : decodeHostStatus(statusBytes())));
      const used = heapAfterGc() - base;
      expect(kept).toHaveLength(2_000);
      return used;
    };
    const parsed = held(false);
    const shared = held(true);
    // Measured: 6.9 and 1.0 KB per status (3.9 while the results were kept, with shared strings).
    expect(shared).toBeLessThan(parsed * 0.25);
  });

  it("keeps at most MAX_WORDS words of at most MAX_WORD_LENGTH characters, whatever agents send", () => {
    const s = decodeHostStatus(statusBytes());
    const long = "x".repeat(250_000);
    // Past the count twice, and the long ones last, so that a clear cannot hide them.
    const puts = 2.5 * MAX_WORDS;
    for (let i = 0; i < puts; i++) {
      s.resources[0] = { ...s.resources[0]!, id: `file:/etc/made-up-${i}`, outcome: "failed" };
      s.conditions = i >= puts - 100 ? [{ type: "Ready", status: "False", reason: `${long}${i}`, message: "", lastTransitionTime: AT }] : [];
      keptStatus(s, catalog);
    }
    const kept = wordsKept();
    expect(kept.count).toBeLessThanOrEqual(MAX_WORDS);
    expect(kept.characters).toBeLessThanOrEqual(MAX_WORDS * MAX_WORD_LENGTH);
  });
});
