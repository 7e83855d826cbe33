// A fixed-window request counter per client address, enough to keep a flood of webhook calls
// (each one costs a git fetch) off the controller without another dependency. In memory and
// per process; all counts reset when the window turns over.
import type { onRequestHookHandler } from "fastify";
import type { Clock } from "../../shared/time.js";
import { sendError } from "./errors.js";

export interface RateLimit {
  readonly max: number;
  readonly windowMs: number;
}

export type Hit = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Past this many distinct addresses in one window, new ones share a bucket, so memory stays bounded. */
const OVERFLOW = "\0overflow";

export class FixedWindowLimiter {
  private window = Number.NaN;
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly limit: RateLimit,
    private readonly maxKeys = 10_000,
  ) {}

  hit(key: string, nowMs: number): Hit {
    const window = Math.floor(nowMs / this.limit.windowMs);
    if (window !== this.window) {
      this.window = window;
      this.counts.clear();
    }
    const k = this.counts.has(key) || this.counts.size < this.maxKeys ? key : OVERFLOW;
    const n = (this.counts.get(k) ?? 0) + 1;
    this.counts.set(k, n);
    if (n <= this.limit.max) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.ceil(((window + 1) * this.limit.windowMs - nowMs) / 1000) };
  }
}

/** A route-level onRequest hook: it runs before the body is read, so a flood costs little. */
export function rateLimitHook(limit: RateLimit, clock: Clock): onRequestHookHandler {
  const limiter = new FixedWindowLimiter(limit);
  return async (req, reply) => {
    const hit = limiter.hit(req.ip, clock().getTime());
    if (hit.allowed) return;
    req.log.warn({ ip: req.ip, url: req.url }, "rate limited");
    reply.header("retry-after", String(hit.retryAfterSeconds));
    return sendError(reply, "KF_ERR_RATE_LIMITED", `more than ${limit.max} requests in ${limit.windowMs / 1000}s from ${req.ip}; retry in ${hit.retryAfterSeconds}s`);
  };
}
