import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../app.js";
import { sendError } from "../errors.js";

export const healthRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_req, reply) => {
    const r = deps.readiness();
    return r.ready ? { status: "ready" } : sendError(reply, "KF_ERR_NOT_READY", r.reason);
  });
};
