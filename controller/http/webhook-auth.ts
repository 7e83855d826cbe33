// Git webhook checks, kept pure so they can be table-tested. Every comparison is constant-time
// over equal-length byte strings: an HMAC-SHA256 is always 32 bytes, and a GitLab token is
// hashed first so that neither its content nor its length leaks through timing.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export type Provider = "forgejo" | "gitea" | "github" | "gitlab";
export type Headers = Readonly<Record<string, string | string[] | undefined>>;
export type Verdict = { ok: true; provider: Provider } | { ok: false; reason: string };

/** timingSafeEqual throws on a length mismatch; a length is no secret here, so that is just "no". */
export function safeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const sha256 = (data: string | Uint8Array): Buffer => createHash("sha256").update(data).digest();

/** Constant-time string equality that hides the length of `expected` as well. */
export const tokenEquals = (given: string, expected: string): boolean => safeEqual(sha256(given), sha256(expected));

export const hmacSha256 = (secret: string, body: Uint8Array): Buffer => createHmac("sha256", secret).update(body).digest();

/** A header's value; a repeated header is treated as absent rather than guessed at. */
function header(h: Headers, name: string): string | undefined {
  const v = h[name];
  return typeof v === "string" ? v : undefined;
}

const firstHeader = (h: Headers, names: readonly string[]): string | undefined =>
  names.map((n) => header(h, n)).find((v) => v !== undefined);

// Most specific first: Forgejo also sends the Gitea and GitHub headers, Gitea the GitHub one.
// All are computed with the same secret, so verifying the first one present is enough.
const SIGNATURES: readonly { provider: Provider; header: string; prefix: string }[] = [
  { provider: "forgejo", header: "x-forgejo-signature", prefix: "" },
  { provider: "gitea", header: "x-gitea-signature", prefix: "" },
  { provider: "github", header: "x-hub-signature-256", prefix: "sha256=" },
];
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/** Checks a delivery against the shared secret; `body` must be the raw bytes that were signed. */
export function verifyWebhook(secret: string, h: Headers, body: Uint8Array): Verdict {
  for (const s of SIGNATURES) {
    const value = header(h, s.header);
    if (value === undefined) continue;
    const hex = value.startsWith(s.prefix) ? value.slice(s.prefix.length) : "";
    // Buffer.from(…, "hex") silently drops bad digits, so the format is checked first.
    if (!HEX_SHA256.test(hex)) return { ok: false, reason: `${s.header} is not ${s.prefix}<64 hex digits>` };
    return safeEqual(Buffer.from(hex, "hex"), hmacSha256(secret, body))
      ? { ok: true, provider: s.provider }
      : { ok: false, reason: `${s.header} does not match the body and the configured secret` };
  }
  const token = header(h, "x-gitlab-token");
  if (token !== undefined) return tokenEquals(token, secret) ? { ok: true, provider: "gitlab" } : { ok: false, reason: "x-gitlab-token is wrong" };
  return { ok: false, reason: "no webhook signature (X-Hub-Signature-256, X-Gitea-Signature, X-Forgejo-Signature or X-Gitlab-Token)" };
}

export const webhookEvent = (h: Headers): string | undefined =>
  firstHeader(h, ["x-forgejo-event", "x-gitea-event", "x-github-event", "x-gitlab-event"]);

export const deliveryId = (h: Headers): string | undefined =>
  firstHeader(h, ["x-forgejo-delivery", "x-gitea-delivery", "x-github-delivery", "x-gitlab-event-uuid"]);

export type EventAction = "sync" | "pong" | "ignore";

/**
 * What a delivery asks for. No event header means a plain `curl -X POST` wake-up, so it syncs;
 * GitHub's `ping` (sent when a hook is created) gets a pong; other events are acknowledged and
 * ignored so that the forge shows the delivery as successful.
 */
export function eventAction(event: string | undefined): EventAction {
  if (event === undefined || event === "push" || event === "Push Hook") return "sync";
  return event === "ping" ? "pong" : "ignore";
}

/**
 * The last `max` keys seen, least recently seen evicted first (a Set keeps insertion order).
 * Bounded so that a sender cannot grow it without limit.
 */
export class RecentIds {
  private readonly seen = new Set<string>();
  constructor(private readonly max = 1000) {}

  /** Records `key`; true if it was already among the recent ones. */
  check(key: string): boolean {
    const had = this.seen.delete(key);
    this.seen.add(key);
    if (this.seen.size > this.max) this.seen.delete(this.seen.values().next().value as string);
    return had;
  }

  get size(): number {
    return this.seen.size;
  }
}
