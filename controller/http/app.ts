// buildApp never listens: tests use app.inject(), the daemon calls listen().
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "../../shared/log.js";
import type { Clock } from "../../shared/time.js";
import type { FleetState } from "../fleet-state.js";
import { sendError } from "./errors.js";
import { fleetRoutes } from "./routes/fleet.js";
import { hostRoutes } from "./routes/hosts.js";
import { eventRoutes } from "./routes/events.js";
import { hookRoutes } from "./routes/hooks.js";
import { healthRoutes } from "./routes/health.js";

export interface AppDeps {
  state: FleetState;
  clock: Clock;
  log?: Logger;
  /** Ask for a git sync now (coalesced with any running one). */
  requestSync(): void;
  readiness(): { ready: boolean; reason: string };
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // fastify's logger type is narrower than pino's Logger; they are the same object at runtime.
    ...(deps.log ? { loggerInstance: deps.log as unknown as FastifyBaseLogger } : { logger: false }),
    return503OnClosing: true,
    forceCloseConnections: true,
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, "KF_ERR_NOT_FOUND", `no route ${req.method} ${req.url}`));
  app.setErrorHandler((err: Error & { validation?: unknown; statusCode?: number }, _req, reply) => {
    if (err.validation || err.statusCode === 400) return sendError(reply, "KF_ERR_USAGE", err.message);
    app.log.error({ err }, "request failed");
    return sendError(reply, "KF_ERR_INTERNAL", "internal error");
  });
  await app.register(healthRoutes, { deps });
  await app.register(hookRoutes, { prefix: "/hooks", deps });
  await app.register(
    async (api) => {
      await api.register(fleetRoutes, { deps });
      await api.register(hostRoutes, { deps });
      await api.register(eventRoutes, { deps });
    },
    { prefix: "/api/v1" },
  );
  return app;
}
