import { describe, expect, it, vi } from "vitest";

const spy = vi.hoisted(() => ({ calls: 0 }));
vi.mock("node:crypto", async (original) => {
  const real = await original<typeof import("node:crypto")>();
  return { ...real, timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => (spy.calls++, real.timingSafeEqual(a, b)) };
});
const { authPolicy, decide, tokenMatches, verifiedCommonNames } = await import("./api-auth.js");
const { fromLoopback, isLoopbackAddress } = await import("./peer.js");
const { FixedWindowLimiter } = await import("./rate-limit.js");
type Caller = import("./api-auth.js").Caller;

const TOKEN = "tok-0123456789abcdef";
const withCreds = authPolicy({ apiTokens: [TOKEN, "tok-second-0123456789"], adminCommonNames: ["ops-admin"] });
const none = authPolicy({});
const caller = (c: Partial<Caller>): Caller => ({ loopback: false, bearer: undefined, certCommonNames: undefined, ...c });

describe("decide", () => {
  it.each<[string, ReturnType<typeof authPolicy>, Partial<Caller>, boolean, string]>([
    ["read, loopback, default policy", withCreds, { loopback: true }, false, "loopback"],
    ["read, far, no token", withCreds, {}, false, "KF_ERR_UNAUTHORIZED"],
    ["read, far, token", withCreds, { bearer: TOKEN }, false, "token"],
    ["read, far, admin certificate", withCreds, { certCommonNames: ["ops-admin"] }, false, "certificate"],
    ["read, far, other certificate", withCreds, { certCommonNames: ["cs10-koji-03"] }, false, "KF_ERR_FORBIDDEN"],
    ["read, loopback, wrong token", withCreds, { loopback: true, bearer: "nope" }, false, "KF_ERR_UNAUTHORIZED"],
    ["read, loopback, malformed Authorization", withCreds, { loopback: true, bearer: null }, false, "KF_ERR_UNAUTHORIZED"],
    ["read, readAccess token, loopback", authPolicy({ apiTokens: [TOKEN], readAccess: "token" }), { loopback: true }, false, "KF_ERR_UNAUTHORIZED"],
    ["read, readAccess open, far", authPolicy({ readAccess: "open" }), {}, false, "anyone"],
    ["write, far, token", withCreds, { bearer: TOKEN }, true, "token"],
    ["write, far, second token", withCreds, { bearer: "tok-second-0123456789" }, true, "token"],
    ["write, loopback, credentials configured, none sent", withCreds, { loopback: true }, true, "KF_ERR_UNAUTHORIZED"],
    ["write, admin certificate", withCreds, { certCommonNames: ["ops-admin"] }, true, "certificate"],
    ["write, certificate with several CNs, one admin", withCreds, { certCommonNames: ["x", "ops-admin"] }, true, "certificate"],
    ["write, other certificate", withCreds, { certCommonNames: ["cs10-koji-03"] }, true, "KF_ERR_FORBIDDEN"],
    ["write, nothing configured, loopback", none, { loopback: true }, true, "KF_ERR_UNAUTHORIZED"],
    ["write, nothing configured, far", none, {}, true, "KF_ERR_UNAUTHORIZED"],
    ["write, allowUnauthenticatedLoopback, loopback", authPolicy({ allowUnauthenticatedLoopback: true }), { loopback: true }, true, "loopback"],
    ["write, allowUnauthenticatedLoopback and tokens, loopback, none sent", authPolicy({ apiTokens: [TOKEN], allowUnauthenticatedLoopback: true }), { loopback: true }, true, "loopback"],
    ["write, allowUnauthenticatedLoopback, far", authPolicy({ allowUnauthenticatedLoopback: true }), {}, true, "KF_ERR_UNAUTHORIZED"],
    ["write, allowUnauthenticatedLoopback, loopback, a wrong token", authPolicy({ apiTokens: [TOKEN], allowUnauthenticatedLoopback: true }), { loopback: true, bearer: "nope" }, true, "KF_ERR_UNAUTHORIZED"],
    ["write, nothing configured, a token sent", none, { loopback: true, bearer: TOKEN }, true, "KF_ERR_UNAUTHORIZED"],
  ])("%s → %s", (_case, policy, c, write, want) => {
    const d = decide(policy, caller(c), write);
    expect(d.allow ? d.as : d.code).toBe(want);
  });

  it("checks a token against every configured one with timingSafeEqual, not stopping at a match", () => {
    const before = spy.calls;
    expect(tokenMatches(withCreds, TOKEN)).toBe(true);
    expect(spy.calls - before).toBe(2);
  });
});

describe("verifiedCommonNames", () => {
  const sock = (authorized: boolean | undefined, CN?: string | string[]) => ({ authorized, getPeerCertificate: () => ({ subject: CN === undefined ? {} : { CN } }) });
  it.each<[string, object, readonly string[] | undefined]>([
    ["a plain HTTP socket", { remoteAddress: "127.0.0.1" }, undefined],
    ["a certificate that did not verify", sock(false, "ops-admin"), undefined],
    ["a verified certificate", sock(true, "ops-admin"), ["ops-admin"]],
    ["a verified certificate with two CNs", sock(true, ["a", "b"]), ["a", "b"]],
    ["a verified certificate without a CN", sock(true), []],
  ])("%s → %j", (_case, socket, want) => {
    expect(verifiedCommonNames(socket)).toEqual(want);
  });
});

describe("loopback", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.8.9.10", true],
    ["::1", true],
    ["::ffff:127.0.0.1", true],
    ["128.0.0.1", false],
    ["::ffff:10.0.0.1", false],
    ["::2", false],
    ["127.0.0.1.evil", false],
    ["", false],
  ])("%s → %s", (ip, want) => {
    expect(isLoopbackAddress(ip)).toBe(want);
  });

  it.each(["forwarded", "x-forwarded-for", "x-real-ip"])("a loopback peer with %s is treated as remote", (h) => {
    expect(fromLoopback({ ip: "127.0.0.1", headers: { [h]: "203.0.113.7" } })).toBe(false);
    expect(fromLoopback({ ip: "127.0.0.1", headers: {} })).toBe(true);
  });
});

describe("FixedWindowLimiter", () => {
  it("allows max per key and window, then says how long until the window turns", () => {
    const l = new FixedWindowLimiter({ max: 2, windowMs: 10_000 });
    expect([l.hit("a", 0), l.hit("a", 1_000), l.hit("b", 1_000)].every((h) => h.allowed)).toBe(true);
    expect(l.hit("a", 2_500)).toEqual({ allowed: false, retryAfterSeconds: 8 });
    expect(l.hit("a", 10_000)).toEqual({ allowed: true });
  });

  it("new keys share one bucket once the key table is full", () => {
    const l = new FixedWindowLimiter({ max: 2, windowMs: 1_000 }, 2);
    l.hit("a", 0);
    l.hit("b", 0);
    expect([l.hit("c", 0).allowed, l.hit("d", 0).allowed, l.hit("e", 0).allowed]).toEqual([true, true, false]);
    expect(l.hit("a", 0).allowed).toBe(true);
  });
});
