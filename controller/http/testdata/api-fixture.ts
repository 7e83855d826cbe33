// A controller whose every route has something to say: hosts in every state (a status without a
// catalog, a catalog without a status, failing resources and probes, one held by a rollout),
// events with and without their optional members, both kinds of revision, Koji results, a
// halted rollout, a live plan, pins with a rollback. And the requests that reach every answer
// of every route, successes and errors. Used by openapi.test.ts and serialization.test.ts.
import { FleetState } from "../../fleet/state.js";
import { keptStatus } from "../../fleet/kept-status.js";
import type { AppDeps } from "../app.js";
import type { Rollout } from "../../rollout/plan.js";
import type { Catalog, HostStatus } from "../../../shared/protocol.js";
import type { PinsState } from "../../fleet/pins.js";

export const NOW = new Date("2026-12-06T12:00:00.000Z");
const T = (s: number): string => new Date(NOW.getTime() - s * 1000).toISOString();
const SHA = "0123456789abcdef0123456789abcdef01234567";
const OLD_SHA = "76543210fedcba9876543210fedcba9876543210";
const digest = (n: number): string => `sha256:${String(n).repeat(64).slice(0, 64)}`;
export const TOKEN = "kf-token-fixture-0123456789";

const catalog = (host: string, roles: string[], d: number): Catalog => ({
  protocol: "kf.v1.catalog", host, revision: SHA, generation: 4, issuedAt: T(300), digest: digest(d), roles,
  resources: [{ id: "file:/etc/kojid/kojid.conf", kind: "file", props: { path: "/etc/kojid/kojid.conf" }, requires: [], notifies: ["service:kojid"] }, { id: "service:kojid", kind: "service", props: {}, requires: [], notifies: [] }],
  probes: [{ id: "kojid-running", kind: "systemd", props: {} }],
});

function status(host: string, d: number, failing: boolean): HostStatus {
  return {
    protocol: "kf.v1.status", host, agentVersion: "0.1.0", startedAt: T(3600), lastSeen: T(10), heartbeatSeconds: 60,
    observed: { revision: SHA, generation: 4, digest: digest(d) },
    applied: failing ? null : { revision: SHA, generation: 4, digest: digest(d) },
    lastConverge: failing ? null : { startedAt: T(120), durationMs: 41.5, changed: 1, failed: 0, noop: false },
    conditions: [
      { type: "Ready", status: failing ? "False" : "True", reason: failing ? "ResourceFailed" : "Converged", message: failing ? "1 resource failed" : "", lastTransitionTime: T(120) },
      { type: "Converged", status: failing ? "False" : "True", reason: failing ? "ResourceFailed" : "Converged", message: "", lastTransitionTime: T(120) },
      { type: "Healthy", status: failing ? "Unknown" : "True", reason: "Probes", message: "line \"quoted\"\nand\u2028more", lastTransitionTime: T(120) },
    ],
    resources: [
      { id: "file:/etc/kojid/kojid.conf", kind: "file", outcome: failing ? "failed" : "changed", changes: failing ? [] : ["content: 3 lines"], ...(failing && { error: "EACCES: permission denied", errorCode: "KF_ERR_RESOURCE" }), durationMs: 1.25 },
      { id: "service:kojid", kind: "service", outcome: failing ? "skipped" : "unchanged", changes: [], durationMs: 0 },
    ],
    probes: [{ id: "kojid-running", healthy: !failing, output: failing ? "inactive (dead)" : "active", since: T(120), checkedAt: T(10) }],
  };
}

const rollout = (): Rollout => ({
  revision: SHA, startedAt: T(200),
  targets: [
    { host: "cs10-koji-00", digest: digest(0), batched: false, revision: SHA, held: null },
    { host: "cs10-koji-03", digest: digest(3), batched: true, revision: OLD_SHA, held: { kind: "pinned", revision: OLD_SHA, by: "ann", since: T(300) } },
  ],
  published: { "cs10-koji-00": T(190) }, phase: "Halted", halt: { host: "cs10-koji-00", message: "cs10-koji-00 failed after its new catalog", since: T(100) },
  maxUnavailable: 1, excused: ["cs10-koji-04"],
});

export interface Fixture {
  deps: AppDeps;
  state: FleetState;
  /** Whether resume and abort succeed. */
  rolloutActions: { ok: boolean };
}

export function fixture(): Fixture {
  const state = new FleetState(T(7200));
  state.lastGood = { sha: SHA, shortSha: SHA.slice(0, 12), message: "fewer jobs", author: "Ann", authorEmail: "ann@example.org", date: T(600) };
  state.lastSync = { at: T(30), head: SHA, error: null };
  state.desired.set("cs10-koji-00", catalog("cs10-koji-00", ["hub"], 0));
  state.desired.set("cs10-koji-01", catalog("cs10-koji-01", ["database"], 1));
  state.desired.set("cs10-koji-02", catalog("cs10-koji-02", ["nfs"], 2));
  state.desired.set("cs10-koji-03", catalog("cs10-koji-03", ["builder"], 3));
  // What the agents put in kf-status; the state keeps each less its results.
  const reported = new Map([status("cs10-koji-00", 0, true), status("cs10-koji-01", 1, false), status("cs10-koji-03", 3, false), status("cs10-koji-09", 9, false)].map((s) => [s.host, s]));
  for (const s of reported.values()) state.status.set(s.host, keptStatus(s));
  state.intended.set("cs10-koji-01", { digest: digest(1), roles: ["database"] });
  state.held.set("cs10-koji-01", { kind: "pinned", revision: SHA, by: "api", since: T(60) });
  state.waiting.set("cs10-koji-03", { message: "waiting for hub on cs10-koji-00", since: T(90) });
  state.addEvent({ protocol: "kf.v1.event", id: "ev-000001", at: T(50), source: "agent", host: "cs10-koji-01", type: "applied", severity: "info", message: "applied generation 4", revision: SHA, data: { changed: 1, ids: ["a", "b"], nested: { x: null } } });
  state.addEvent({ protocol: "kf.v1.event", id: "ev-000002", at: T(40), source: "controller", type: "rollout-halted", severity: "error", message: "halted" });
  state.recordRevision({ revision: state.lastGood, at: T(500), state: "accepted", errors: [], changedHosts: ["cs10-koji-00"] });
  state.recordRevision({ revision: { ...state.lastGood, sha: "bad".padEnd(40, "0") }, at: T(400), state: "rejected", errors: ["fleet.yaml:3:5: boom"], changedHosts: [] });
  const dbSecret = { name: "koji-db-password", origin: "operator" as const, since: T(80), hosts: ["cs10-koji-00", "cs10-koji-01"] };
  const pins: PinsState = { hosts: { "cs10-koji-01": { revision: SHA, since: T(60), by: "api" } }, rollback: { revision: SHA, atHead: SHA, since: T(70), by: "admin" } };
  const rolloutActions = { ok: true };
  const current = rollout();
  const deps: AppDeps = {
    state,
    clock: () => NOW,
    requestSync: () => undefined,
    readiness: () => ({ ready: true, reason: "ok" }),
    reportedStatus: async (host) => reported.get(host) ?? null,
    apiTokens: [TOKEN],
    koji: { results: [{ id: "koji-user:kojira", kind: "koji-user", outcome: "unchanged", changes: [], durationMs: 3 }], registered: new Set(["cs10-koji-03"]), kojiraPermitted: true, lastRunAt: T(20) },
    kojiContent: {
      status: {
        declared: true, policy: "report", gate: { open: true, reason: "hub cs10-koji-00 Ready" }, lastRunAt: T(20), revision: SHA, convergedRevision: SHA,
        applied: [{ method: "createTag", lines: ["+ tag mxos-10"] }],
        pending: ["~ tag mxos-10: arches x86_64 → x86_64 aarch64"], drift: ["~ tag mxos-10: arches x86_64 → x86_64 aarch64"],
        unmanaged: ["? tag f40"], conflicts: [],
        failures: [{ method: "read", lines: [], error: "hub down", code: "KF_ERR_RESOURCE" }],
        objects: [{ path: "tag mxos-10", declared: "present", state: "pending" }, { path: "tag f40", state: "unmanaged" }],
      },
    },
    rollouts: { get current() { return current; }, resume: () => rolloutActions.ok, abort: () => rolloutActions.ok },
    livePlan: async (rev) => {
      if (rev === "missing") return { ok: false, code: "KF_ERR_NOT_FOUND", message: "no revision missing" };
      if (rev === "invalid") return { ok: false, code: "KF_ERR_CONFIG_INVALID", message: "fleet.yaml at bad is invalid", errors: ["fleet.yaml:1:1: boom"] };
      return {
        ok: true,
        plan: {
          revision: SHA,
          hosts: [
            { host: "cs10-koji-00", revision: SHA, status: "changes", changes: [{ id: "file:/etc/x", kind: "file", outcome: "would-change", changes: ["mode 0644 → 0640"], durationMs: 2 }] },
            { host: "cs10-koji-01", revision: SHA, status: "none", changes: [] },
            { host: "cs10-koji-02", revision: SHA, status: "error", changes: [], error: "no answer from host (TIMEOUT)" },
          ],
          unchanged: ["cs10-koji-03"],
          removed: ["cs10-koji-05"],
        },
      };
    },
    pins: {
      state: () => pins,
      pin: async (host) => (host === "cs10-koji-07" ? { ok: false, code: "KF_ERR_NOT_FOUND", message: `host ${host} is not in the fleet` } : { ok: true, state: pins }),
      unpin: async (host) => (host === "cs10-koji-07" ? { ok: false, code: "KF_ERR_NOT_FOUND", message: `host ${host} is not pinned` } : { ok: true, state: { ...pins, rollback: null } }),
      rollback: async (rev) => (rev === "conflict" ? { ok: false, code: "KF_ERR_CONFLICT", message: "no revision has been accepted yet" } : rev === "gitfail" ? { ok: false, code: "KF_ERR_GIT", message: "fetch failed" } : { ok: true, state: pins }),
      cancelRollback: async () => (pins.rollback ? { ok: true, state: { ...pins, rollback: null } } : { ok: false, code: "KF_ERR_NOT_FOUND", message: "no fleet-wide rollback is in force" }),
    },
    secrets: {
      list: async () => ({ secrets: [dbSecret, { name: "kojiweb-session-secret", origin: "none", since: null, hosts: ["cs10-koji-02"] }] }),
      set: async (name, value) =>
        name !== "koji-db-password" ? { ok: false, code: "KF_ERR_NOT_FOUND", message: `no host's catalog uses a secret '${name}'` }
        : value === "" ? { ok: false, code: "KF_ERR_USAGE", message: `${name}: the value is empty` }
        : { ok: true, answer: { secret: dbSecret, republished: dbSecret.hosts } },
    },
  };
  return { deps, state, rolloutActions };
}

export interface Probe {
  method: "GET" | "POST" | "DELETE";
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Run before the request (and undone after). */
  setup?: (f: Fixture) => () => void;
  status: number;
  code?: string;
}

const write = { "content-type": "application/json", authorization: `Bearer ${TOKEN}` };

/** Requests reaching every answer of every route: route-specific errors and the common ones. */
export const PROBES: readonly Probe[] = [
  { method: "GET", url: "/healthz", status: 200 },
  { method: "GET", url: "/readyz", status: 200 },
  { method: "GET", url: "/readyz", status: 503, code: "KF_ERR_NOT_READY", setup: (f) => { const r = f.deps.readiness; f.deps.readiness = () => ({ ready: false, reason: "starting" }); return () => { f.deps.readiness = r; }; } },
  { method: "GET", url: "/metrics", status: 200 },
  { method: "POST", url: "/hooks/git", body: "{}", headers: { "content-type": "application/json" }, status: 202 },
  { method: "POST", url: "/hooks/git", body: "{}", headers: { "content-type": "application/json", "x-github-event": "ping" }, status: 200 },
  { method: "POST", url: "/hooks/git", body: "{}", headers: { "content-type": "application/json", "x-github-event": "issues" }, status: 200 },
  { method: "POST", url: "/hooks/git", body: "{}", headers: { "content-type": "application/json", "x-github-delivery": "d-1" }, status: 202 },
  { method: "POST", url: "/hooks/git", body: "{}", headers: { "content-type": "application/json", "x-github-delivery": "d-1" }, status: 200 },
  { method: "POST", url: "/hooks/git", body: "x".repeat((1 << 20) + 1), headers: { "content-type": "application/json" }, status: 413, code: "KF_ERR_TOO_LARGE" },
  { method: "GET", url: "/", status: 200 },
  { method: "GET", url: "/dashboard/app.js", status: 200 },
  { method: "GET", url: "/dashboard/style.css", status: 200 },
  { method: "GET", url: "/api/v1/fleet", status: 200 },
  { method: "GET", url: "/api/v1/fleet", status: 200, setup: (f) => { f.state.rejected = { revision: f.state.lastGood!, errors: [{ file: "fleet.yaml", line: 3, col: 5, message: "boom" }], at: NOW.toISOString() }; return () => { f.state.rejected = null; }; } },
  { method: "GET", url: "/api/v1/fleet", status: 200, setup: (f) => { const g = f.state.lastGood; f.state.lastGood = null; return () => { f.state.lastGood = g; }; } },
  { method: "GET", url: "/api/v1/fleet", status: 401, code: "KF_ERR_UNAUTHORIZED", headers: { authorization: "Bearer wrong" } },
  { method: "GET", url: "/api/v1/hosts", status: 200 },
  { method: "GET", url: "/api/v1/hosts", status: 500, code: "KF_ERR_INTERNAL", setup: (f) => { const h = f.state.hosts; f.state.hosts = () => { throw new Error("boom"); }; return () => { f.state.hosts = h; }; } },
  { method: "GET", url: "/api/v1/hosts/cs10-koji-00", status: 200 },
  { method: "GET", url: "/api/v1/hosts/cs10-koji-02", status: 200 },
  { method: "GET", url: "/api/v1/hosts/cs10-koji-09", status: 200 },
  { method: "GET", url: "/api/v1/hosts/cs10-koji-07", status: 404, code: "KF_ERR_NOT_FOUND" },
  { method: "GET", url: "/api/v1/hosts/cs10-koji-00", status: 503, code: "KF_ERR_NATS", setup: (f) => { const r = f.deps.reportedStatus; f.deps.reportedStatus = async () => { throw new Error("TIMEOUT"); }; return () => { f.deps.reportedStatus = r; }; } },
  { method: "GET", url: "/api/v1/hosts/Not_A_Host", status: 400, code: "KF_ERR_USAGE" },
  { method: "GET", url: "/api/v1/events", status: 200 },
  { method: "GET", url: "/api/v1/events?host=cs10-koji-01&type=applied&limit=1", status: 200 },
  { method: "GET", url: "/api/v1/events?limit=0", status: 400, code: "KF_ERR_USAGE" },
  { method: "GET", url: "/api/v1/revisions", status: 200 },
  { method: "GET", url: "/api/v1/koji", status: 200 },
  { method: "GET", url: "/api/v1/koji", status: 200, setup: (f) => { const k = f.deps.koji; f.deps.koji = null; return () => { f.deps.koji = k; }; } },
  { method: "GET", url: "/api/v1/rollouts/current", status: 200 },
  { method: "GET", url: "/api/v1/rollouts/current", status: 404, code: "KF_ERR_NOT_FOUND", setup: (f) => { const r = f.deps.rollouts; f.deps.rollouts = null; return () => { f.deps.rollouts = r; }; } },
  { method: "POST", url: "/api/v1/rollouts/current/resume", headers: write, status: 202 },
  { method: "POST", url: "/api/v1/rollouts/current/abort", headers: write, status: 202 },
  { method: "POST", url: "/api/v1/rollouts/current/abort", headers: write, status: 409, code: "KF_ERR_CONFLICT", setup: (f) => { f.rolloutActions.ok = false; return () => { f.rolloutActions.ok = true; }; } },
  { method: "POST", url: "/api/v1/rollouts/current/abort", headers: write, status: 404, code: "KF_ERR_NOT_FOUND", setup: (f) => { const r = f.deps.rollouts; f.deps.rollouts = null; return () => { f.deps.rollouts = r; }; } },
  { method: "POST", url: "/api/v1/sync", headers: write, status: 202 },
  { method: "POST", url: "/api/v1/sync", headers: { ...write, host: "evil.example" }, status: 421, code: "KF_ERR_MISDIRECTED" },
  { method: "POST", url: "/api/v1/sync", headers: { ...write, origin: "http://evil.example" }, status: 403, code: "KF_ERR_FORBIDDEN" },
  { method: "POST", url: "/api/v1/sync", headers: { ...write, "content-type": "text/plain" }, body: "x", status: 415, code: "KF_ERR_MEDIA_TYPE" },
  { method: "POST", url: "/api/v1/sync", headers: write, body: "{not json", status: 400, code: "KF_ERR_USAGE" },
  { method: "POST", url: "/api/v1/sync", headers: write, body: JSON.stringify({ x: "y".repeat(1 << 20) }), status: 413, code: "KF_ERR_TOO_LARGE" },
  { method: "POST", url: "/api/v1/plan", headers: write, body: { revision: "main" }, status: 200 },
  { method: "POST", url: "/api/v1/plan", headers: write, body: { revision: "missing" }, status: 404, code: "KF_ERR_NOT_FOUND" },
  { method: "POST", url: "/api/v1/plan", headers: write, body: { revision: "invalid" }, status: 422, code: "KF_ERR_CONFIG_INVALID" },
  { method: "POST", url: "/api/v1/plan", headers: write, body: { revision: "-bad" }, status: 400, code: "KF_ERR_USAGE" },
  { method: "POST", url: "/api/v1/plan", headers: write, body: { revision: "main" }, status: 503, code: "KF_ERR_NOT_READY", setup: (f) => { const p = f.deps.livePlan; f.deps.livePlan = null; return () => { f.deps.livePlan = p; }; } },
  { method: "GET", url: "/api/v1/pins", status: 200 },
  { method: "GET", url: "/api/v1/pins", status: 503, code: "KF_ERR_NOT_READY", setup: (f) => { const p = f.deps.pins; f.deps.pins = null; return () => { f.deps.pins = p; }; } },
  { method: "POST", url: "/api/v1/hosts/cs10-koji-01/pin", headers: write, body: { revision: "main" }, status: 202 },
  { method: "POST", url: "/api/v1/hosts/cs10-koji-07/pin", headers: write, body: { revision: "main" }, status: 404, code: "KF_ERR_NOT_FOUND" },
  { method: "DELETE", url: "/api/v1/hosts/cs10-koji-01/pin", headers: write, status: 202 },
  { method: "DELETE", url: "/api/v1/hosts/cs10-koji-07/pin", headers: write, status: 404, code: "KF_ERR_NOT_FOUND" },
  { method: "POST", url: "/api/v1/rollback", headers: write, body: { revision: "main" }, status: 202 },
  { method: "POST", url: "/api/v1/rollback", headers: write, body: { revision: "conflict" }, status: 409, code: "KF_ERR_CONFLICT" },
  { method: "POST", url: "/api/v1/rollback", headers: write, body: { revision: "gitfail" }, status: 502, code: "KF_ERR_GIT" },
  { method: "DELETE", url: "/api/v1/rollback", headers: write, status: 202 },
  { method: "DELETE", url: "/api/v1/rollback", headers: write, status: 404, code: "KF_ERR_NOT_FOUND", setup: (f) => { const s = f.deps.pins!.state(); const r = s.rollback; s.rollback = null; return () => { s.rollback = r; }; } },
  { method: "GET", url: "/api/v1/secrets", status: 200 },
  { method: "GET", url: "/api/v1/secrets", status: 503, code: "KF_ERR_NOT_READY", setup: (f) => { const s = f.deps.secrets; f.deps.secrets = null; return () => { f.deps.secrets = s; }; } },
  { method: "POST", url: "/api/v1/secrets/koji-db-password", headers: write, body: { value: "an operator's value" }, status: 202 },
  { method: "POST", url: "/api/v1/secrets/koji-db-pasword", headers: write, body: { value: "an operator's value" }, status: 404, code: "KF_ERR_NOT_FOUND" },
  { method: "POST", url: "/api/v1/secrets/koji-db-password", headers: write, body: { value: "" }, status: 400, code: "KF_ERR_USAGE" },
  { method: "POST", url: "/api/v1/secrets/koji-db-password", headers: write, body: { value: "x" }, status: 503, code: "KF_ERR_NOT_READY", setup: (f) => { const s = f.deps.secrets; f.deps.secrets = null; return () => { f.deps.secrets = s; }; } },
  { method: "GET", url: "/api/v1/openapi.json", status: 200 },
];
