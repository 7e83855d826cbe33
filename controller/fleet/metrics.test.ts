import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../http/app.js";
import { FleetState } from "./state.js";
import { fleetMetrics, Histogram, renderMetrics } from "./metrics.js";
import { keptStatus } from "./kept-status.js";
import { parsePromText } from "../../test/support/prom-text.js";
import type { Catalog, HostStatus } from "../../shared/protocol.js";
import type { Rollout } from "../rollout/plan.js";

const COMMIT = new Date("2026-11-26T11:59:00.000Z");
let now = new Date("2026-11-26T12:00:00.000Z");
const digest = `sha256:${"0".repeat(64)}`;
const catalog = (host: string): Catalog => ({
  protocol: "kf.v1.catalog", host, revision: "abc1234", generation: 1, issuedAt: now.toISOString(),
  digest, roles: ["builder"], resources: [], probes: [],
});
const status = (host: string, applied: string | null, ready: boolean, failingProbes = 0): HostStatus => ({
  protocol: "kf.v1.status", host, agentVersion: "0.1.0", startedAt: now.toISOString(), lastSeen: now.toISOString(), heartbeatSeconds: 30,
  observed: applied ? { revision: applied, generation: 1, digest } : null,
  applied: applied ? { revision: applied, generation: 1, digest } : null,
  lastConverge: { startedAt: now.toISOString(), durationMs: 1500, changed: 0, failed: 0, noop: false },
  conditions: [{ type: "Ready", status: ready ? "True" : "False", reason: ready ? "Healthy" : "ProbeFailing", message: "", lastTransitionTime: now.toISOString() }],
  resources: [],
  probes: Array.from({ length: failingProbes }, (_, i) => ({ id: `p${i}`, healthy: false, output: "x", since: now.toISOString(), checkedAt: now.toISOString() })),
});

describe("renderMetrics", () => {
  it("escapes label values and help, renders histograms cumulatively with +Inf", () => {
    const h = new Histogram([1, 5]);
    h.observe(0.5);
    h.observe(3);
    h.observe(9);
    const text = renderMetrics([
      { name: "a_total", type: "counter", help: "line\\one\ntwo", samples: [{ labels: { x: 'q"\\\n' }, value: 2 }] },
      { name: "h_seconds", type: "histogram", help: "h", samples: [{ histogram: h.value() }] },
    ]);
    expect(text).toContain('a_total{x="q\\"\\\\\\n"} 2');
    expect(text).toContain("# HELP a_total line\\\\one\\ntwo");
    const f = parsePromText(text);
    expect(f.get("a_total")!.samples[0]!.labels.x).toBe('q"\\\n');
    expect(f.get("h_seconds")!.samples.map((s) => [s.name, s.labels.le ?? "", s.value])).toEqual([
      ["h_seconds_bucket", "1", 1], ["h_seconds_bucket", "5", 2], ["h_seconds_bucket", "+Inf", 3], ["h_seconds_sum", "", 12.5], ["h_seconds_count", "", 3],
    ]);
  });
});

describe("GET /metrics", () => {
  const state = new FleetState(now.toISOString());
  let app: FastifyInstance;
  const rollout: Rollout = { revision: "abc1234", startedAt: now.toISOString(), targets: [], published: {}, phase: "Halted", halt: null, maxUnavailable: 1, excused: [] };

  beforeAll(async () => {
    for (const h of ["cs10-koji-01", "cs10-koji-02"]) state.desired.set(h, catalog(h));
    state.lastGood = { sha: "abc1234", shortSha: "abc1234", message: "m", author: "a", authorEmail: "a@x", date: COMMIT.toISOString() };
    state.intended.set("cs10-koji-01", { digest, roles: ["database"] });
    state.intended.set("cs10-koji-02", { digest, roles: ["database"] });
    state.lastSync = { at: new Date(now.getTime() - 7000).toISOString(), head: "abc1234", error: "fetch failed" };
    const m = fleetMetrics(state);
    m.natsConnected = () => true;
    m.observeSync(state.lastSync);
    m.observeSync(state.lastSync); // the same failure seen twice counts once
    m.observeStage("fetch", 0.062);
    m.observeStage("fetch", 0.004);
    m.observeStage("compile", 1.7);
    m.rolloutDuration.observe(42);
    const feed = (s: HostStatus) => {
      const kept = keptStatus(s);
      m.observeStatus(s.host, kept, now);
      state.status.set(s.host, kept);
    };
    // First sight of a host is a baseline; later transitions are measured from the commit date.
    feed(status("cs10-koji-01", null, false));
    feed(status("cs10-koji-02", "old0000", true));
    now = new Date(COMMIT.getTime() + 45_000);
    feed(status("cs10-koji-01", "abc1234", false, 2));
    now = new Date(COMMIT.getTime() + 90_000);
    feed(status("cs10-koji-01", "abc1234", false, 2)); // no second observation
    feed(status("cs10-koji-02", "abc1234", true));
    app = await buildApp({ state, clock: () => now, requestSync: () => undefined, reportedStatus: async () => null, readiness: () => ({ ready: true, reason: "ok" }), rollouts: { current: rollout, resume: () => false, abort: () => false } });
  });
  afterAll(async () => app.close());

  it("serves every series in the text format 0.0.4 with the right types", async () => {
    const res = await app.inject("/metrics");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    const f = parsePromText(res.body);
    const types = Object.fromEntries([...f.values()].map((x) => [x.name, x.type]));
    expect(types).toEqual({
      koji_fleet_hosts: "gauge",
      koji_fleet_converge_duration_seconds: "gauge",
      koji_fleet_commit_to_applied_seconds: "histogram",
      koji_fleet_commit_to_healthy_seconds: "histogram",
      koji_fleet_revision_stage_seconds: "histogram",
      koji_fleet_rollout_duration_seconds: "histogram",
      koji_fleet_probe_failures: "gauge",
      koji_fleet_rollout_phase: "gauge",
      koji_fleet_nats_connected: "gauge",
      koji_fleet_git_sync_age_seconds: "gauge",
      koji_fleet_git_sync_failures_total: "counter",
    });
    for (const x of f.values()) expect(x.help, x.name).toBeTruthy();
    const value = (name: string, labels: Record<string, string> = {}) =>
      [...f.values()].flatMap((x) => x.samples).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

    expect(value("koji_fleet_hosts", { phase: "Ready" })).toBe(1);
    expect(value("koji_fleet_hosts", { phase: "Failed" })).toBe(1);
    expect(value("koji_fleet_hosts", { phase: "Unknown" })).toBe(0);
    expect(value("koji_fleet_converge_duration_seconds", { host: "cs10-koji-01" })).toBe(1.5);
    expect(value("koji_fleet_probe_failures", { host: "cs10-koji-01" })).toBe(2);
    expect(value("koji_fleet_probe_failures", { host: "cs10-koji-02" })).toBe(0);
    expect(value("koji_fleet_rollout_phase", { phase: "Halted" })).toBe(1);
    expect(value("koji_fleet_rollout_phase", { phase: "Progressing" })).toBe(0);
    expect(value("koji_fleet_nats_connected")).toBe(1);
    expect(value("koji_fleet_git_sync_failures_total")).toBe(1);
    expect(value("koji_fleet_git_sync_age_seconds")).toBeCloseTo((now.getTime() - Date.parse(state.lastSync.at!)) / 1000);
    // applied: cs10-koji-01 after 45 s, cs10-koji-02 after 90 s; healthy: only cs10-koji-02 (90 s).
    expect(value("koji_fleet_commit_to_applied_seconds_count")).toBe(2);
    expect(value("koji_fleet_commit_to_applied_seconds_sum")).toBe(135);
    expect(value("koji_fleet_commit_to_applied_seconds_bucket", { le: "60" })).toBe(1);
    expect(value("koji_fleet_commit_to_healthy_seconds_count")).toBe(1);
    expect(value("koji_fleet_commit_to_healthy_seconds_sum")).toBe(90);
    // Every stage has its series, observed or not; each sample in its own stage only.
    expect(value("koji_fleet_revision_stage_seconds_count", { stage: "fetch" })).toBe(2);
    expect(value("koji_fleet_revision_stage_seconds_sum", { stage: "fetch" })).toBeCloseTo(0.066);
    expect(value("koji_fleet_revision_stage_seconds_bucket", { stage: "fetch", le: "0.005" })).toBe(1);
    expect(value("koji_fleet_revision_stage_seconds_bucket", { stage: "fetch", le: "0.1" })).toBe(2);
    expect(value("koji_fleet_revision_stage_seconds_count", { stage: "load" })).toBe(0);
    expect(value("koji_fleet_revision_stage_seconds_count", { stage: "compile" })).toBe(1);
    expect(value("koji_fleet_revision_stage_seconds_bucket", { stage: "compile", le: "1" })).toBe(0);
    expect(value("koji_fleet_revision_stage_seconds_bucket", { stage: "compile", le: "2.5" })).toBe(1);
    expect(value("koji_fleet_rollout_duration_seconds_count")).toBe(1);
    expect(value("koji_fleet_rollout_duration_seconds_bucket", { le: "30" })).toBe(0);
    expect(value("koji_fleet_rollout_duration_seconds_bucket", { le: "60" })).toBe(1);
  });

  it("is open like /healthz even when API reads need a token", async () => {
    const locked = await buildApp({ state, clock: () => now, requestSync: () => undefined, reportedStatus: async () => null, readiness: () => ({ ready: true, reason: "ok" }), apiTokens: ["t0ken"], readAccess: "token" });
    expect((await locked.inject("/metrics")).statusCode).toBe(200);
    expect((await locked.inject("/api/v1/fleet")).statusCode).toBe(401);
    await locked.close();
  });
});
