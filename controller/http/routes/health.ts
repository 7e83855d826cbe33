import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { API } from "../../../shared/api/routes.js";
import type { AppDeps } from "../app.js";
import { sendError } from "../errors.js";

export const healthRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.route({ ...API.getHealth, handler: async () => ({ status: "ok" as const }) });
  app.route({
    ...API.getReady,
    handler: async (_req, reply) => {
      const r = deps.readiness();
      return r.ready ? { status: "ready" as const } : sendError(reply, "KF_ERR_NOT_READY", r.reason);
    },
  });
};
