// POST /api/v1/sync: the CLI's way to say "fetch now" (the webhook is for forges). Admin only:
// the /api/v1 access hook refuses it before this handler runs.
import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../app.js";

export const syncRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.post("/sync", async (req, reply) => {
    req.log.info({ ip: req.ip }, "sync requested through the API");
    deps.requestSync();
    return reply.code(202).send({ accepted: true });
  });
};
