import { createHmac } from "node:crypto";
import { describe, expect, it, vi } from "vitest";

// Spy on the constant-time compare: every verdict must go through it, never through ===.
const spy = vi.hoisted(() => ({ calls: 0 }));
vi.mock("node:crypto", async (original) => {
  const real = await original<typeof import("node:crypto")>();
  return { ...real, timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => (spy.calls++, real.timingSafeEqual(a, b)) };
});
const { deliveryId, eventAction, RecentIds, safeEqual, tokenEquals, verifyWebhook, webhookEvent } = await import("./webhook-auth.js");

const SECRET = "s3cret-s3cret-s3cret";
const BODY = Buffer.from('{"ref":"refs/heads/main"}');
const sig = (secret = SECRET, body: Uint8Array = BODY) => createHmac("sha256", secret).update(body).digest("hex");

describe("verifyWebhook", () => {
  it.each<[string, Record<string, string | string[]>, ReturnType<typeof verifyWebhook>]>([
    ["GitHub sha256=<hex>", { "x-hub-signature-256": `sha256=${sig()}` }, { ok: true, provider: "github" }],
    ["GitHub, upper-case hex", { "x-hub-signature-256": `sha256=${sig().toUpperCase()}` }, { ok: true, provider: "github" }],
    ["Gitea bare hex", { "x-gitea-signature": sig() }, { ok: true, provider: "gitea" }],
    ["Forgejo bare hex", { "x-forgejo-signature": sig() }, { ok: true, provider: "forgejo" }],
    ["Forgejo with its Gitea-compatible headers", { "x-forgejo-signature": sig(), "x-gitea-signature": sig(), "x-hub-signature-256": `sha256=${sig()}` }, { ok: true, provider: "forgejo" }],
    ["GitLab token", { "x-gitlab-token": SECRET }, { ok: true, provider: "gitlab" }],
  ])("%s → accepted", (_case, headers, verdict) => {
    expect(verifyWebhook(SECRET, headers, BODY)).toEqual(verdict);
  });

  it.each<[string, Record<string, string | string[]>, RegExp]>([
    ["no header", {}, /no webhook signature/],
    ["GitHub, other secret", { "x-hub-signature-256": `sha256=${sig("other")}` }, /does not match/],
    ["GitHub, other body", { "x-hub-signature-256": `sha256=${sig(SECRET, Buffer.from("{}"))}` }, /does not match/],
    ["GitHub, bare hex", { "x-hub-signature-256": sig() }, /not sha256=<64 hex digits>/],
    ["GitHub, sha1=", { "x-hub-signature-256": `sha1=${sig()}` }, /not sha256=/],
    ["GitHub, 63 digits", { "x-hub-signature-256": `sha256=${sig().slice(1)}` }, /not sha256=/],
    ["GitHub, non-hex digits", { "x-hub-signature-256": `sha256=${"z".repeat(64)}` }, /not sha256=/],
    ["Gitea, empty", { "x-gitea-signature": "" }, /not <64 hex digits>/],
    ["a valid GitHub header does not rescue a wrong Forgejo one", { "x-forgejo-signature": sig("other"), "x-hub-signature-256": `sha256=${sig()}` }, /x-forgejo-signature does not match/],
    ["GitLab, wrong token", { "x-gitlab-token": "s3cret" }, /wrong/],
    ["GitLab, the token repeated", { "x-gitlab-token": [SECRET, SECRET] }, /no webhook signature/],
  ])("%s → refused", (_case, headers, reason) => {
    const v = verifyWebhook(SECRET, headers, BODY);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.reason).toMatch(reason);
  });

  it("compares signatures and tokens with crypto.timingSafeEqual", () => {
    for (const headers of [{ "x-hub-signature-256": `sha256=${sig("other")}` }, { "x-gitlab-token": "guess" }]) {
      const before = spy.calls;
      verifyWebhook(SECRET, headers, BODY);
      expect(spy.calls).toBe(before + 1);
    }
  });
});

describe("constant-time helpers", () => {
  it.each([
    [Buffer.from("abc"), Buffer.from("abc"), true],
    [Buffer.from("abc"), Buffer.from("abd"), false],
    [Buffer.from("abc"), Buffer.from("abcd"), false],
    [Buffer.alloc(0), Buffer.alloc(0), true],
  ])("safeEqual(%s, %s) → %s, without throwing on a length mismatch", (a, b, want) => {
    expect(safeEqual(a, b)).toBe(want);
  });

  it.each([
    ["same", "same", true],
    ["same", "same ", false],
    ["", SECRET, false],
  ])("tokenEquals(%j, %j) → %s", (a, b, want) => {
    expect(tokenEquals(a, b)).toBe(want);
  });
});

describe("events and deliveries", () => {
  it.each<[Record<string, string>, string | undefined, string | undefined]>([
    [{ "x-github-event": "push", "x-github-delivery": "g-1" }, "push", "g-1"],
    [{ "x-gitea-event": "push", "x-gitea-delivery": "t-1", "x-github-delivery": "t-1" }, "push", "t-1"],
    [{ "x-forgejo-event": "push", "x-forgejo-delivery": "f-1", "x-gitea-delivery": "f-1" }, "push", "f-1"],
    [{ "x-gitlab-event": "Push Hook", "x-gitlab-event-uuid": "l-1" }, "Push Hook", "l-1"],
    [{}, undefined, undefined],
  ])("%j → event %s, delivery %s", (headers, event, id) => {
    expect([webhookEvent(headers), deliveryId(headers)]).toEqual([event, id]);
  });

  it.each([
    [undefined, "sync"],
    ["push", "sync"],
    ["Push Hook", "sync"],
    ["ping", "pong"],
    ["Tag Push Hook", "ignore"],
    ["pull_request", "ignore"],
  ])("event %s → %s", (event, action) => {
    expect(eventAction(event)).toBe(action);
  });
});

describe("RecentIds", () => {
  it("remembers the last N ids, evicting the least recently seen", () => {
    const r = new RecentIds(3);
    expect(["a", "b", "c"].map((k) => r.check(k))).toEqual([false, false, false]);
    expect(r.check("a")).toBe(true); // a is now the most recent
    expect(r.check("d")).toBe(false); // evicts b
    expect([r.check("b"), r.size]).toEqual([false, 3]);
    expect(r.check("a")).toBe(true);
  });

  it("stays bounded at 1000 by default", () => {
    const r = new RecentIds();
    for (let i = 0; i < 5000; i++) r.check(`id-${i}`);
    expect(r.size).toBe(1000);
    expect([r.check("id-4999"), r.check("id-0")]).toEqual([true, false]);
  });
});
