import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildApp } from "./app.js";
import { FleetState } from "../fleet/state.js";
import type { Catalog } from "../../shared/protocol.js";
import { fixture } from "./testdata/api-fixture.js";

const NOW = new Date("2026-11-26T12:00:00.000Z");
const catalog = (host: string): Catalog => ({
  protocol: "kf.v1.catalog", host, revision: "abc1234", generation: 1, issuedAt: NOW.toISOString(),
  digest: `sha256:${"0".repeat(64)}`, roles: ["builder"], resources: [{ id: "file:/etc/x", kind: "file", props: {}, requires: [], notifies: [] }], probes: [],
});

describe("HTTP API", () => {
  const state = new FleetState(NOW.toISOString());
  let app: FastifyInstance;
  let syncs = 0;
  let ready = false;

  beforeAll(async () => {
    state.desired.set("cs10-koji-03", catalog("cs10-koji-03"));
    state.lastGood = { sha: "abc1234", shortSha: "abc1234", message: "m", author: "a", authorEmail: "a@x", date: NOW.toISOString() };
    app = await buildApp({ state, clock: () => NOW, requestSync: () => void syncs++, reportedStatus: async () => null, readiness: () => ({ ready, reason: "first reconcile has not completed" }) });
  });
  afterAll(async () => app.close());

  it("GET /healthz answers while the process lives", async () => {
    expect((await app.inject("/healthz")).json()).toEqual({ status: "ok" });
  });

  it("GET /readyz is 503 KF_ERR_NOT_READY with the reason until ready, then 200", async () => {
    const before = await app.inject("/readyz");
    expect(before.statusCode).toBe(503);
    expect(before.json()).toEqual({ error: { code: "KF_ERR_NOT_READY", message: "first reconcile has not completed" } });
    ready = true;
    expect((await app.inject("/readyz")).statusCode).toBe(200);
  });

  it("GET /api/v1/fleet summarizes revision, validation and hosts", async () => {
    const body = (await app.inject("/api/v1/fleet")).json();
    expect(body.revision.sha).toBe("abc1234");
    expect(body.validation.state).toBe("valid");
    expect(body.hosts).toEqual({ total: 1, ready: 0, progressing: 0, blocked: 0, failed: 0, unknown: 1 });
  });

  it("GET /api/v1/fleet shows a rejected revision's errors as file:line:col", async () => {
    state.rejected = { revision: { ...state.lastGood!, sha: "bad0000" }, errors: [{ file: "fleet.yaml", line: 3, col: 5, message: "boom" }], at: NOW.toISOString() };
    const body = (await app.inject("/api/v1/fleet")).json();
    expect(body.validation).toMatchObject({ state: "invalid", errors: [{ text: "fleet.yaml:3:5: boom", line: 3 }] });
    expect(body.revision.sha).toBe("abc1234");
    state.rejected = null;
  });

  it("GET /api/v1/hosts and /hosts/:host", async () => {
    const list = (await app.inject("/api/v1/hosts")).json();
    expect(list.hosts.map((h: { host: string; phase: string }) => [h.host, h.phase])).toEqual([["cs10-koji-03", "Unknown"]]);
    const one = (await app.inject("/api/v1/hosts/cs10-koji-03")).json();
    expect(one.catalog.resources).toEqual([{ id: "file:/etc/x", kind: "file" }]);
  });

  it.each([
    ["/api/v1/hosts/nope-99", 404, "KF_ERR_NOT_FOUND"],
    ["/api/v1/hosts/Bad.Name", 400, "KF_ERR_USAGE"],
    ["/api/v1/events?limit=0", 400, "KF_ERR_USAGE"],
    ["/api/v1/nothing-here", 404, "KF_ERR_NOT_FOUND"],
  ])("GET %s → %i %s", async (url, status, code) => {
    const res = await app.inject(url);
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
  });

  it("POST /hooks/git without a secret accepts any body from loopback and asks for a sync", async () => {
    const res = await app.inject({ method: "POST", url: "/hooks/git", payload: "not even json", headers: { "content-type": "text/plain" } });
    expect(res.statusCode).toBe(202);
    expect(syncs).toBe(1);
  });

  it("GET /api/v1/events filters by host and type", async () => {
    state.addEvent({ protocol: "kf.v1.event", id: "e-00000001", at: NOW.toISOString(), source: "agent", host: "cs10-koji-03", type: "applied", severity: "info", message: "ok" });
    state.addEvent({ protocol: "kf.v1.event", id: "e-00000001", at: NOW.toISOString(), source: "agent", host: "cs10-koji-03", type: "applied", severity: "info", message: "ok" });
    state.addEvent({ protocol: "kf.v1.event", id: "e-00000002", at: NOW.toISOString(), source: "controller", type: "revision-accepted", severity: "info", message: "r" });
    expect((await app.inject("/api/v1/events?host=cs10-koji-03")).json().events.map((e: { id: string }) => e.id)).toEqual(["e-00000001"]);
    expect((await app.inject("/api/v1/events?type=revision-accepted")).json().events).toHaveLength(1);
  });
});

describe("a host's detail", () => {
  it("counts from the kept status, results and probes whole as the agent reported them", async () => {
    const f = fixture();
    const app = await buildApp(f.deps);
    try {
      const reported = (await f.deps.reportedStatus("cs10-koji-00"))!;
      const one = (await app.inject("/api/v1/hosts/cs10-koji-00")).json();
      expect([one.results, one.probes]).toEqual([reported.resources, reported.probes]);
      expect(one.resources).toEqual({ total: 2, changed: 0, failed: 1, wouldChange: 0 });
      expect(one.failing.resources).toEqual([{ id: "file:/etc/kojid/kojid.conf", error: "EACCES: permission denied" }]);
      expect(f.state.status.get("cs10-koji-00")).not.toHaveProperty("probes");
    } finally {
      await app.close();
    }
  });
});

