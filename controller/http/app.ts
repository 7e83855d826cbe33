// buildApp never listens: tests use app.inject(), the daemon calls listen().
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "../../shared/log.js";
import type { Clock } from "../../shared/time.js";
import type { FleetState } from "../fleet/state.js";
import { apiAccessHook, type ReadAccess } from "./api-auth.js";
import { sendClientError, sendError } from "./errors.js";
import { apiNames, jsonWriteHook, writeTargetHook } from "./write-guard.js";
import type { RateLimit } from "./rate-limit.js";
import { fleetRoutes } from "./routes/fleet.js";
import { hostRoutes } from "./routes/hosts.js";
import { eventRoutes } from "./routes/events.js";
import { hookRoutes } from "./routes/hooks.js";
import { rolloutRoutes } from "./routes/rollouts.js";
import { kojiRoutes } from "./routes/koji.js";
import type { KojiContentStatus } from "../../shared/api/fleet.js";
import { revisionRoutes } from "./routes/revisions.js";
import type { HostStatus, ResourceResult } from "../../shared/protocol.js";
import type { Rollout } from "../rollout/plan.js";
import { healthRoutes } from "./routes/health.js";
import { syncRoutes } from "./routes/sync.js";
import { planRoutes, type LivePlanService } from "./routes/plan.js";
import { pinRoutes } from "./routes/pins.js";
import { secretRoutes } from "./routes/secrets.js";
import type { SecretControl } from "../fleet/secrets.js";
import type { PinControl } from "../fleet/pins.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { eventStreamRoutes } from "./routes/events-stream.js";
import { metricsRoutes } from "./routes/metrics.js";
import { openApiRoutes, registerOpenApi } from "./openapi.js";

/** PEM material for serving HTTPS; with `ca`, clients are asked for a certificate issued by it. */
export interface HttpsMaterial {
  key: string | Buffer;
  cert: string | Buffer;
  ca?: string | Buffer;
}

export interface AppDeps {
  state: FleetState;
  clock: Clock;
  log?: Logger;
  /** Ask for a git sync now (coalesced with any running one). */
  requestSync(): void;
  readiness(): { ready: boolean; reason: string };
  /** A host's last status whole, results included, as its agent put it (null: none); throws when it cannot be read. */
  reportedStatus: (host: string) => Promise<HostStatus | null>;
  /** Shared secret of the git webhook. Undefined: the hook takes unsigned calls, from loopback only. */
  webhookSecret?: string;
  /** Webhook calls allowed per client address and window; default 60 a minute. */
  webhookRateLimit?: RateLimit;
  /** Bearer tokens that may change state and read from anywhere. */
  apiTokens?: readonly string[];
  /** Loopback callers may change state without credentials (`koji-fleet up`); default false. */
  allowUnauthenticatedLoopback?: boolean;
  /** The address the API listens on (http.host); writes must name it, or one of `publicNames`, in Host. Default 127.0.0.1. */
  listenHost?: string;
  /** Other names clients reach the API by (http.publicNames). */
  publicNames?: readonly string[];
  /** CNs of verified client certificates (HTTPS with `https.ca`) that count as admin. */
  adminCommonNames?: readonly string[];
  /** Who may GET /api/v1 without credentials; default loopback. */
  readAccess?: ReadAccess;
  /** Serve HTTPS instead of HTTP. */
  https?: HttpsMaterial;
  /** Koji objects converged through the hub's API (null: not configured). */
  koji?: { readonly results: readonly ResourceResult[]; readonly registered: ReadonlySet<string>; readonly kojiraPermitted: boolean; readonly lastRunAt: string | null } | null;
  /** Koji's content: the last pass's state (controller/koji/content-sync.ts). */
  kojiContent?: { readonly status: KojiContentStatus } | null;
  /** The rollout driver: the current rollout, resume, abort. */
  rollouts?: { readonly current: Rollout | null; resume(): boolean; abort(): boolean } | null;
  /** Live plans of a revision (POST /plan); null: not available. */
  livePlan?: LivePlanService | null;
  /** Pins and the fleet-wide rollback; null: not available. */
  pins?: PinControl | null;
  /** Secrets an operator sets; null: not available. */
  secrets?: SecretControl | null;
}

function createServer(deps: AppDeps): FastifyInstance {
  const options = {
    // fastify's logger type is narrower than pino's Logger; they are the same object at runtime.
    ...(deps.log ? { loggerInstance: deps.log as unknown as FastifyBaseLogger } : { logger: false }),
    return503OnClosing: true,
    forceCloseConnections: true,
    // Answers are serialized with the contract's schemas, but an array of more than 100 items
    // (the host list of a large fleet, the last 500 events) with JSON.stringify: a schema's
    // serializer builds its string piece by piece, and sending that string cost 1,000 hosts
    // 23 ms against 14–16 ms (bench/README.md, api-latency). Handlers are typed by the same
    // schemas, and serialization.test.ts checks that nothing sent differs from what they return.
    serializerOpts: { largeArraySize: 100, largeArrayMechanism: "json-stringify" as const },
  };
  if (!deps.https) return Fastify(options);
  // A certificate is requested, never required: forges and token holders have none. The
  // socket's `authorized` then says whether the one sent verified against `ca` (and only `ca`:
  // without it nothing is requested, so a publicly trusted certificate can never be admin).
  const https = { ...deps.https, requestCert: deps.https.ca !== undefined, rejectUnauthorized: false };
  // The route and request types are the same for an https server; only the generic differs.
  return Fastify({ ...options, https }) as unknown as FastifyInstance;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = createServer(deps);
  await registerRoutes(app, deps);
  return app;
}

/**
 * The controller's routes on `app`, each from its entry in the contract (shared/api/routes.ts),
 * with the hooks around them. Separate from buildApp so that a test can watch every route
 * being added (an onRoute hook of its own) and check its schemas.
 */
export async function registerRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // First: it records every route added after it, for the OpenAPI document.
  await registerOpenApi(app);
  app.setNotFoundHandler((req, reply) => sendError(reply, "KF_ERR_NOT_FOUND", `no route ${req.method} ${req.url}`));
  app.setErrorHandler((err: Error & { validation?: unknown; statusCode?: number }, _req, reply) => {
    if (err.validation) return sendError(reply, "KF_ERR_USAGE", err.message);
    // fastify's own refusals (bad JSON, a body too large, a type it cannot parse …) are the caller's.
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return sendClientError(reply, status, err.message);
    app.log.error({ err }, "request failed");
    return sendError(reply, "KF_ERR_INTERNAL", "internal error");
  });
  // /healthz and /readyz stay open: probes and load balancers carry no credentials.
  await app.register(healthRoutes, { deps });
  await app.register(metricsRoutes, { deps });
  await app.register(hookRoutes, { deps });
  await app.register(dashboardRoutes);
  // /api/v1: one encapsulated context, so that its hooks and JSON parser apply to its routes only.
  await app.register(async (api) => {
    api.addHook("onRequest", writeTargetHook(apiNames(deps.listenHost ?? "127.0.0.1", deps.publicNames)));
    api.addHook("onRequest", apiAccessHook(deps));
    api.addHook("onRequest", jsonWriteHook);
    // A write without a body (POST /sync) is typed JSON too: an empty body is no body, not a 400.
    const json = api.getDefaultJsonParser("error", "error");
    api.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) => (body.length === 0 ? done(null, undefined) : json(req, body.toString(), done)));
    await api.register(fleetRoutes, { deps });
    await api.register(hostRoutes, { deps });
    await api.register(eventRoutes, { deps });
    await api.register(eventStreamRoutes, { deps });
    await api.register(syncRoutes, { deps });
    await api.register(rolloutRoutes, { deps });
    await api.register(kojiRoutes, { deps });
    await api.register(revisionRoutes, { deps });
    await api.register(planRoutes, { deps });
    await api.register(pinRoutes, { deps });
    await api.register(secretRoutes, { deps });
    await api.register(openApiRoutes);
  });
}
