import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance, InjectOptions } from "fastify";
import { buildApp, type AppDeps } from "./app.js";
import { FleetState } from "../fleet/state.js";
import type { PinsState } from "../fleet/pins.js";
import type { Rollout } from "../rollout/plan.js";
import { apiNames, checkWriteTarget } from "./write-guard.js";

const TOKEN = "kf-token-0123456789abcdef";
const NOW = new Date("2026-11-26T12:00:00.000Z");
const HOST = "127.0.0.1:8470";
const NO_PINS: PinsState = { hosts: {}, rollback: null };
const halted = (): Rollout => ({
  revision: "abc1234", startedAt: NOW.toISOString(), targets: [], published: {}, phase: "Halted",
  halt: { host: "cs10-koji-03", message: "failed", since: NOW.toISOString() }, maxUnavailable: 1, excused: [],
});

let app: FastifyInstance | undefined;
afterEach(async () => app?.close());

/** The app with every write wired to a recorder: `done` lists what the handlers were asked to do. */
async function start(over: Partial<AppDeps> = {}) {
  const done: string[] = [];
  const ok = (what: string) => async () => (done.push(what), { ok: true as const, state: NO_PINS });
  app = await buildApp({
    state: new FleetState(NOW.toISOString()),
    clock: () => NOW,
    requestSync: () => void done.push("sync"),
    reportedStatus: async () => null, readiness: () => ({ ready: true, reason: "ok" }),
    rollouts: { current: halted(), resume: () => (done.push("resume"), true), abort: () => (done.push("abort"), true) },
    pins: { state: () => NO_PINS, pin: ok("pin"), unpin: ok("unpin"), rollback: ok("rollback"), cancelRollback: ok("cancel rollback") },
    livePlan: async (revision) => (done.push("plan"), { ok: true, plan: { revision, hosts: [], unchanged: [], removed: [] } }),
    apiTokens: [TOKEN],
    ...over,
  });
  return { app, done };
}

// Every write route family, with the body it takes.
const WRITES: [InjectOptions["method"], string, object | undefined, string][] = [
  ["POST", "/api/v1/sync", undefined, "sync"],
  ["POST", "/api/v1/rollouts/current/resume", undefined, "resume"],
  ["POST", "/api/v1/rollouts/current/abort", undefined, "abort"],
  ["POST", "/api/v1/hosts/cs10-koji-03/pin", { revision: "abc1234" }, "pin"],
  ["DELETE", "/api/v1/hosts/cs10-koji-03/pin", undefined, "unpin"],
  ["POST", "/api/v1/rollback", { revision: "abc1234" }, "rollback"],
  ["DELETE", "/api/v1/rollback", undefined, "cancel rollback"],
  ["POST", "/api/v1/plan", { revision: "abc1234" }, "plan"],
];

const write = (a: FastifyInstance, method: InjectOptions["method"], url: string, body: object | undefined, headers: Record<string, string>) =>
  a.inject({ method, url, headers: { host: HOST, "content-type": "application/json", ...headers }, ...(body && { payload: JSON.stringify(body) }) });

describe("writes sent by web pages", () => {
  it.each(WRITES)("%s %s with the admin token, from a page of another site → 403, nothing done", async (method, url, body) => {
    const { app, done } = await start();
    const res = await write(app, method, url, body, { authorization: `Bearer ${TOKEN}`, origin: "http://evil.example" });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toEqual({ code: "KF_ERR_FORBIDDEN", message: "a write from a web page of another origin (http://evil.example) is refused" });
    expect(done).toEqual([]);
  });

  it.each(WRITES)("%s %s through DNS rebinding (Host and Origin evil.example), loopback allowed → 421, nothing done", async (method, url, body) => {
    const { app, done } = await start({ allowUnauthenticatedLoopback: true });
    const res = await write(app, method, url, body, { host: "evil.example:8470", origin: "http://evil.example:8470" });
    expect(res.statusCode).toBe(421);
    expect(res.json().error.code).toBe("KF_ERR_MISDIRECTED");
    expect(done).toEqual([]);
  });

  it.each(WRITES)("%s %s from the API's own page, or from no page at all → done", async (method, url, body, what) => {
    const { app, done } = await start();
    for (const origin of [{ origin: `http://${HOST}` }, {}] as Record<string, string>[]) {
      const res = await write(app, method, url, body, { authorization: `Bearer ${TOKEN}`, ...origin });
      expect(res.statusCode, res.body).toBeLessThan(300);
    }
    expect(done).toEqual([what, what]);
  });

  it.each([
    ["null", "a sandboxed frame or a file"],
    ["http://127.0.0.1:3000", "another port on this host"],
    ["https://127.0.0.1.evil.example", "a name that starts like ours"],
    ["chrome-extension://abcdef", "not a web origin"],
  ])("Origin %s (%s) is another origin", async (origin) => {
    const { app, done } = await start();
    const res = await write(app, "POST", "/api/v1/sync", undefined, { authorization: `Bearer ${TOKEN}`, origin });
    expect(res.statusCode).toBe(403);
    expect(done).toEqual([]);
  });
});

describe("Host of a write", () => {
  it.each<[string, string, number, Partial<AppDeps>]>([
    ["loopback listener, 127.0.0.1", "127.0.0.1:8470", 202, {}],
    ["loopback listener, localhost", "localhost:8470", 202, {}],
    ["loopback listener, [::1]", "[::1]:8470", 202, {}],
    ["loopback listener, another name", "evil.example:8470", 421, {}],
    ["loopback listener, a name ending in ours", "localhost.evil.example", 421, {}],
    ["loopback listener, userinfo trick", "evil@127.0.0.1", 421, {}],
    ["address listener, its address", "192.0.2.10:8470", 202, { listenHost: "192.0.2.10" }],
    ["address listener, localhost (not reachable there)", "localhost:8470", 421, { listenHost: "192.0.2.10" }],
    ["address listener, a public name", "fleet.example.org", 202, { listenHost: "192.0.2.10", publicNames: ["Fleet.Example.org"] }],
    ["wildcard listener, any address", "198.51.100.7:8470", 202, { listenHost: "0.0.0.0" }],
    ["wildcard listener, a public name", "FLEET.example.org:443", 202, { listenHost: "0.0.0.0", publicNames: ["fleet.example.org"] }],
    ["wildcard listener, another name", "evil.example", 421, { listenHost: "0.0.0.0", publicNames: ["fleet.example.org"] }],
  ])("%s: Host %s → %i", async (_case, host, status, deps) => {
    const { app, done } = await start(deps);
    const res = await write(app, "POST", "/api/v1/sync", undefined, { authorization: `Bearer ${TOKEN}`, host });
    expect(res.statusCode).toBe(status);
    if (status === 421) expect(res.json().error.code).toBe("KF_ERR_MISDIRECTED");
    expect(done).toEqual(status === 202 ? ["sync"] : []);
  });

  it("a same-site Origin does not rescue a foreign Host (the Host is checked first); no Host is no name", () => {
    expect(checkWriteTarget(apiNames("127.0.0.1"), { host: "evil.example", origin: "http://evil.example" })).toMatchObject({ ok: false, code: "KF_ERR_MISDIRECTED" });
    expect(checkWriteTarget(apiNames("127.0.0.1"), {})).toMatchObject({ ok: false, code: "KF_ERR_MISDIRECTED" });
  });
});

describe("the type of a write", () => {
  it.each<[string, Record<string, string>, string | undefined, number, string | undefined]>([
    ["text/plain with a JSON body (a form or a no-cors fetch)", { "content-type": "text/plain" }, "{}", 415, "KF_ERR_MEDIA_TYPE"],
    ["a urlencoded form", { "content-type": "application/x-www-form-urlencoded" }, "revision=abc1234", 415, "KF_ERR_MEDIA_TYPE"],
    ["no Content-Type and no body", {}, undefined, 415, "KF_ERR_MEDIA_TYPE"],
    ["JSON with a charset", { "content-type": "application/json; charset=utf-8" }, undefined, 202, undefined],
    ["JSON with an empty body", { "content-type": "application/json" }, "", 202, undefined],
  ])("POST /api/v1/sync, %s → %i", async (_case, headers, payload, status, code) => {
    const { app, done } = await start();
    const res = await app.inject({ method: "POST", url: "/api/v1/sync", headers: { host: HOST, authorization: `Bearer ${TOKEN}`, ...headers }, ...(payload !== undefined && { payload }) });
    expect(res.statusCode).toBe(status);
    if (code) expect(res.json().error.code).toBe(code);
    expect(done).toEqual(status === 202 ? ["sync"] : []);
  });

  it("an unauthenticated caller learns nothing from the type: 401 first", async () => {
    const { app } = await start();
    const res = await app.inject({ method: "POST", url: "/api/v1/sync", remoteAddress: "198.51.100.20", headers: { host: HOST, "content-type": "text/plain" }, payload: "x" });
    expect(res.statusCode).toBe(401);
  });
});

describe("fastify's own refusals keep their 4xx, in the catalogue's shape", () => {
  const big = JSON.stringify({ revision: "a".repeat(1 << 20) });
  it.each<[string, number, string, InjectOptions]>([
    ["a write body over 1 MiB", 413, "KF_ERR_TOO_LARGE", { method: "POST", url: "/api/v1/rollback", headers: { host: HOST, authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, payload: big }],
    ["a webhook body over 1 MiB", 413, "KF_ERR_TOO_LARGE", { method: "POST", url: "/hooks/git", headers: { "content-type": "application/json" }, payload: big }],
  ])("%s → %i %s", async (_case, status, code, request) => {
    const { app, done } = await start();
    const res = await app.inject(request);
    expect(res.statusCode).toBe(status);
    expect(res.json()).toEqual({ error: { code, message: expect.any(String) } });
    expect(done).toEqual([]);
  });
});

describe("reads", () => {
  it.each(["/api/v1/fleet", "/api/v1/pins", "/api/v1/rollouts/current"])("GET %s is unaffected by Host, Origin and type", async (url) => {
    const { app } = await start();
    const res = await app.inject({ url, headers: { host: "evil.example", origin: "http://evil.example", "content-type": "text/plain" } });
    expect(res.statusCode).toBe(200);
  });
});
