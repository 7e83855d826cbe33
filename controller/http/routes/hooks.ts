// Git webhooks only wake the poller: the payload is never trusted for content, the controller
// always fetches and reads the commit itself. Still, each call costs a fetch, so the hook is
// authenticated (signature over the raw body, or loopback only when no secret is configured),
// de-duplicated on the delivery id and rate limited per address.
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { API } from "../../../shared/api/routes.js";
import type { AppDeps } from "../app.js";
import { sendError } from "../errors.js";
import { fromLoopback } from "../peer.js";
import { rateLimitHook } from "../rate-limit.js";
import { deliveryId, eventAction, RecentIds, verifyWebhook, webhookEvent, type Verdict } from "../webhook-auth.js";

export const DEFAULT_WEBHOOK_RATE_LIMIT = { max: 60, windowMs: 60_000 } as const;

function authenticate(secret: string | undefined, req: FastifyRequest, body: Buffer): Verdict | { ok: true; provider: "loopback" } {
  if (secret !== undefined) return verifyWebhook(secret, req.headers, body);
  return fromLoopback(req)
    ? { ok: true, provider: "loopback" }
    : { ok: false, reason: "no webhook secret is configured (http.webhookSecretFile), so only loopback callers may use this hook" };
}

export const hookRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  if (deps.webhookSecret === "") throw new Error("webhookSecret is empty; leave it undefined for a loopback-only hook");
  // Per app instance: ids are only ever recorded after authentication, so a stranger cannot fill it.
  const recent = new RecentIds(1000);
  // Signatures are over the exact bytes sent, so this plugin keeps the body raw (encapsulated: only here).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 1 << 20 }, (_req, body, done) => done(null, body));

  app.route({
    ...API.postGitHook,
    onRequest: rateLimitHook(deps.webhookRateLimit ?? DEFAULT_WEBHOOK_RATE_LIMIT, deps.clock),
    handler: async (req, reply) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const auth = authenticate(deps.webhookSecret, req, body);
      if (!auth.ok) {
        req.log.warn({ ip: req.ip, reason: auth.reason }, "webhook refused");
        return sendError(reply, "KF_ERR_UNAUTHORIZED", auth.reason);
      }
      // Forges redeliver (retries, "Redeliver" buttons) with the same id. The id header is not
      // covered by the signature, so this stops duplicates, not a determined replayer; a replay
      // can only cause one more fetch, within the rate limit.
      const id = deliveryId(req.headers);
      if (id !== undefined && recent.check(id)) return { duplicate: true };
      const event = webhookEvent(req.headers);
      const action = eventAction(event);
      if (action === "pong") return { pong: true };
      // "ignore" is only ever an event named in a header (none at all is a push).
      if (action === "ignore") return { ignored: event! };
      req.log.info({ provider: auth.provider, event, delivery: id }, "webhook: sync requested");
      deps.requestSync();
      return reply.code(202).send({ accepted: true });
    },
  });
};
