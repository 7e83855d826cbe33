import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildApp, type AppDeps } from "./app.js";
import { FleetState } from "../fleet/state.js";

const TOKEN = "kf-token-0123456789abcdef";
const FAR = "198.51.100.20";
const NOW = new Date("2026-11-26T12:00:00.000Z");

let app: FastifyInstance | undefined;
afterEach(async () => app?.close());

async function start(over: Partial<AppDeps> = {}) {
  const calls = { syncs: 0 };
  app = await buildApp({
    state: new FleetState(NOW.toISOString()),
    clock: () => NOW,
    requestSync: () => void calls.syncs++,
    reportedStatus: async () => null, readiness: () => ({ ready: true, reason: "ok" }),
    ...over,
  });
  return { app, calls };
}

const req = (a: FastifyInstance, method: "GET" | "POST", url: string, remoteAddress: string, token?: string) =>
  a.inject({ method, url, remoteAddress, headers: { ...(method === "POST" && { "content-type": "application/json" }), ...(token !== undefined && { authorization: token }) } });

describe("reading /api/v1", () => {
  it.each<[AppDeps["readAccess"], string, string | undefined, number]>([
    [undefined, "127.0.0.1", undefined, 200],
    [undefined, FAR, undefined, 401],
    [undefined, FAR, `Bearer ${TOKEN}`, 200],
    [undefined, FAR, `bearer ${TOKEN}`, 200],
    [undefined, FAR, "Bearer wrong-token-wrong-token", 401],
    [undefined, FAR, `Basic ${TOKEN}`, 401],
    [undefined, "127.0.0.1", "Bearer wrong-token-wrong-token", 401],
    ["token", "127.0.0.1", undefined, 401],
    ["token", "127.0.0.1", `Bearer ${TOKEN}`, 200],
    ["open", FAR, undefined, 200],
  ])("readAccess %s, GET from %s with %s → %i", async (readAccess, ip, auth, status) => {
    const { app } = await start({ apiTokens: [TOKEN], ...(readAccess ? { readAccess } : {}) });
    const res = await req(app, "GET", "/api/v1/hosts", ip, auth);
    expect(res.statusCode).toBe(status);
    if (status === 401) {
      expect(res.json().error.code).toBe("KF_ERR_UNAUTHORIZED");
      expect(res.headers["www-authenticate"]).toBe('Bearer realm="koji-fleet"');
    }
  });

  it("a loopback GET through a local reverse proxy needs a token", async () => {
    const { app } = await start({ apiTokens: [TOKEN] });
    const res = await app.inject({ url: "/api/v1/fleet", remoteAddress: "127.0.0.1", headers: { "x-forwarded-for": FAR } });
    expect(res.statusCode).toBe(401);
  });

  it.each(["/healthz", "/readyz"])("%s is open to anyone, whatever readAccess says", async (url) => {
    const { app } = await start({ apiTokens: [TOKEN], readAccess: "token" });
    expect((await req(app, "GET", url, FAR)).statusCode).toBe(200);
  });
});

describe("POST /api/v1/sync (admin only)", () => {
  it.each<[string, Partial<AppDeps>, string, string | undefined, number]>([
    ["tokens configured, none sent", { apiTokens: [TOKEN] }, FAR, undefined, 401],
    ["tokens configured, none sent, loopback", { apiTokens: [TOKEN] }, "127.0.0.1", undefined, 401],
    ["tokens configured, a wrong one", { apiTokens: [TOKEN] }, FAR, "Bearer not-the-token-at-all", 401],
    ["tokens configured, the right one", { apiTokens: ["another-token-0123456789", TOKEN] }, FAR, `Bearer ${TOKEN}`, 202],
    ["reads open, but writes still need a token", { apiTokens: [TOKEN], readAccess: "open" }, FAR, undefined, 401],
    ["nothing configured, loopback", {}, "127.0.0.1", undefined, 401],
    ["nothing configured, another address", {}, FAR, undefined, 401],
    ["allowUnauthenticatedLoopback, loopback (koji-fleet up)", { allowUnauthenticatedLoopback: true }, "127.0.0.1", undefined, 202],
    ["allowUnauthenticatedLoopback and tokens, loopback", { allowUnauthenticatedLoopback: true, apiTokens: [TOKEN] }, "127.0.0.1", undefined, 202],
    ["allowUnauthenticatedLoopback, another address", { allowUnauthenticatedLoopback: true }, FAR, undefined, 401],
  ])("%s → %i", async (_case, deps, ip, auth, status) => {
    const { app, calls } = await start(deps);
    const res = await req(app, "POST", "/api/v1/sync", ip, auth);
    expect(res.statusCode).toBe(status);
    expect(calls.syncs).toBe(status === 202 ? 1 : 0);
    if (status === 202) expect(res.json()).toEqual({ accepted: true });
    else expect(res.json().error.code).toBe("KF_ERR_UNAUTHORIZED");
  });

  it("the body is not read before the caller is authorized", async () => {
    const { app, calls } = await start({ apiTokens: [TOKEN] });
    const res = await app.inject({ method: "POST", url: "/api/v1/sync", remoteAddress: FAR, payload: "{not json", headers: { "content-type": "application/json" } });
    expect(res.statusCode).toBe(401);
    expect(calls.syncs).toBe(0);
  });
});
