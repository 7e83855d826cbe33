// POST /api/v1/sync: the CLI's way to say "fetch now" (the webhook is for forges). Admin only:
// the /api/v1 access hook refuses it before this handler runs.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { API } from "../../../shared/api/routes.js";
import type { AppDeps } from "../app.js";

export const syncRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.route({
    ...API.postSync,
    handler: async (req, reply) => {
      req.log.info({ ip: req.ip }, "sync requested through the API");
      deps.requestSync();
      return reply.code(202).send({ accepted: true });
    },
  });
};
