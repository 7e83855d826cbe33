import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { API } from "../../../shared/api/routes.js";
import type { AppDeps } from "../app.js";

export const eventRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.route({
    ...API.getEvents,
    handler: async (req) => {
      const { host, type, limit = 100 } = req.query;
      const events = deps.state.events.filter((e) => (!host || e.host === host) && (!type || e.type === type));
      return { events: events.slice(-limit) };
    },
  });
};
