import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../app.js";

export const eventRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get<{ Querystring: { host?: string; type?: string; limit?: number } }>(
    "/events",
    {
      schema: {
        querystring: {
          type: "object",
          properties: { host: { type: "string" }, type: { type: "string" }, limit: { type: "integer", minimum: 1, maximum: 500 } },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const { host, type, limit = 100 } = req.query;
      const events = deps.state.events.filter((e) => (!host || e.host === host) && (!type || e.type === type));
      return { events: events.slice(-limit) };
    },
  );
};
