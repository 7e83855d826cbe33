import { createHmac, randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildApp, type AppDeps } from "./app.js";
import { FleetState } from "../fleet/state.js";

const SECRET = "correct horse battery staple";
const NOW = new Date("2026-11-26T12:00:00.000Z");
const BODY = JSON.stringify({ ref: "refs/heads/main", after: "abc1234" });
const hmac = (body: string, secret = SECRET) => createHmac("sha256", secret).update(body).digest("hex");

let app: FastifyInstance | undefined;
afterEach(async () => app?.close());

async function start(over: Partial<AppDeps> = {}) {
  const calls = { syncs: 0 };
  let now = NOW.getTime();
  app = await buildApp({
    state: new FleetState(NOW.toISOString()),
    clock: () => new Date(now),
    requestSync: () => void calls.syncs++,
    reportedStatus: async () => null, readiness: () => ({ ready: true, reason: "ok" }),
    ...over,
  });
  return { app, calls, advance: (ms: number) => void (now += ms) };
}

type Headers = Record<string, string>;
const post = (a: FastifyInstance, headers: Headers, payload = BODY, remoteAddress = "203.0.113.7") =>
  a.inject({ method: "POST", url: "/hooks/git", payload, remoteAddress, headers: { "content-type": "application/json", ...headers } });

// What each forge sends for a push, computed here with the shared secret.
const deliveries: [string, (body: string, id: string) => Headers][] = [
  ["GitHub", (b, id) => ({ "x-hub-signature-256": `sha256=${hmac(b)}`, "x-github-event": "push", "x-github-delivery": id })],
  ["Gitea", (b, id) => ({ "x-gitea-signature": hmac(b), "x-hub-signature-256": `sha256=${hmac(b)}`, "x-gitea-event": "push", "x-gitea-delivery": id })],
  ["Forgejo", (b, id) => ({ "x-forgejo-signature": hmac(b), "x-gitea-signature": hmac(b), "x-forgejo-event": "push", "x-forgejo-delivery": id })],
  ["GitLab", (_b, id) => ({ "x-gitlab-token": SECRET, "x-gitlab-event": "Push Hook", "x-gitlab-event-uuid": id })],
];

describe("POST /hooks/git with a webhook secret", () => {
  it.each(deliveries)("a push signed as %s → 202 and one sync", async (_name, headers) => {
    const { app, calls } = await start({ webhookSecret: SECRET });
    const res = await post(app, headers(BODY, randomUUID()));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: true });
    expect(calls.syncs).toBe(1);
  });

  const github = (h: Headers) => ({ "x-github-event": "push", "x-github-delivery": randomUUID(), ...h });
  it.each<[string, Headers, string?]>([
    ["signed with another secret", github({ "x-hub-signature-256": `sha256=${hmac(BODY, "another secret entirely")}` })],
    ["no signature header at all", github({})],
    ["a tampered body", github({ "x-hub-signature-256": `sha256=${hmac(BODY)}` }), BODY.replace("abc1234", "evil000")],
    ["a truncated signature", github({ "x-hub-signature-256": `sha256=${hmac(BODY).slice(0, 40)}` })],
    ["a signature without the sha256= prefix", github({ "x-hub-signature-256": hmac(BODY) })],
    ["only the legacy SHA-1 header", github({ "x-hub-signature": `sha1=${"0".repeat(40)}` })],
    ["a wrong Gitea signature", { "x-gitea-signature": hmac(BODY, "nope nope nope nope"), "x-gitea-event": "push" }],
    ["a wrong GitLab token", { "x-gitlab-token": `${SECRET}!`, "x-gitlab-event": "Push Hook" }],
  ])("%s → 401 KF_ERR_UNAUTHORIZED, no sync", async (_case, headers, payload = BODY) => {
    const { app, calls } = await start({ webhookSecret: SECRET });
    const res = await post(app, headers, payload);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe("KF_ERR_UNAUTHORIZED");
    expect(calls.syncs).toBe(0);
  });

  it("a secret is checked for loopback callers too", async () => {
    const { app, calls } = await start({ webhookSecret: SECRET });
    expect((await post(app, {}, BODY, "127.0.0.1")).statusCode).toBe(401);
    expect(calls.syncs).toBe(0);
  });

  it("a replayed delivery id → 200 {duplicate:true}, no second sync; a new id syncs again", async () => {
    const { app, calls } = await start({ webhookSecret: SECRET });
    const headers = deliveries[0]![1](BODY, "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    expect((await post(app, headers)).statusCode).toBe(202);
    const again = await post(app, headers);
    expect([again.statusCode, again.json()]).toEqual([200, { duplicate: true }]);
    expect(calls.syncs).toBe(1);
    expect((await post(app, deliveries[0]![1](BODY, randomUUID()))).statusCode).toBe(202);
    expect(calls.syncs).toBe(2);
  });

  it("an unauthenticated request does not record its delivery id", async () => {
    const { app, calls } = await start({ webhookSecret: SECRET });
    const id = randomUUID();
    expect((await post(app, { "x-github-delivery": id, "x-hub-signature-256": `sha256=${"0".repeat(64)}` })).statusCode).toBe(401);
    expect((await post(app, deliveries[0]![1](BODY, id))).statusCode).toBe(202);
    expect(calls.syncs).toBe(1);
  });

  it.each([
    ["ping", 200, { pong: true }],
    ["issues", 200, { ignored: "issues" }],
    ["push", 202, { accepted: true }],
  ])("event %s → %i %j", async (event, status, body) => {
    const { app, calls } = await start({ webhookSecret: SECRET });
    const res = await post(app, { "x-hub-signature-256": `sha256=${hmac(BODY)}`, "x-github-event": event });
    expect([res.statusCode, res.json()]).toEqual([status, body]);
    expect(calls.syncs).toBe(event === "push" ? 1 : 0);
  });
});

describe("POST /hooks/git without a webhook secret", () => {
  it.each(["127.0.0.1", "::1", "::ffff:127.0.0.1"])("from loopback %s → 202, unsigned", async (ip) => {
    const { app, calls } = await start();
    expect((await post(app, {}, "{}", ip)).statusCode).toBe(202);
    expect(calls.syncs).toBe(1);
  });

  it.each<[string, string, Headers]>([
    ["another address", "203.0.113.7", {}],
    ["another address, even signed", "10.0.0.5", { "x-hub-signature-256": `sha256=${hmac(BODY)}` }],
    ["loopback through a reverse proxy", "127.0.0.1", { "x-forwarded-for": "203.0.113.7" }],
  ])("from %s → 401, no sync", async (_case, ip, headers) => {
    const { app, calls } = await start();
    const res = await post(app, headers, BODY, ip);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.message).toMatch(/only loopback/);
    expect(calls.syncs).toBe(0);
  });
});

describe("webhook rate limit", () => {
  it("60 calls a minute per address, then 429 with Retry-After; other addresses and the next minute are unaffected", async () => {
    const { app, calls, advance } = await start();
    for (let i = 0; i < 60; i++) expect((await post(app, {}, "{}", "127.0.0.1")).statusCode).toBe(202);
    const limited = await post(app, {}, "{}", "127.0.0.1");
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe("KF_ERR_RATE_LIMITED");
    expect(limited.headers["retry-after"]).toBe("60");
    expect(calls.syncs).toBe(60);
    expect((await post(app, {}, "{}", "127.0.0.2")).statusCode).toBe(202);
    advance(60_000);
    expect((await post(app, {}, "{}", "127.0.0.1")).statusCode).toBe(202);
  });

  it("counts refused calls too, so guessing signatures is throttled", async () => {
    const { app } = await start({ webhookSecret: SECRET, webhookRateLimit: { max: 3, windowMs: 10_000 } });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await post(app, { "x-gitlab-token": `guess-${i}` })).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
  });
});
