// GET /metrics: Prometheus text format 0.0.4 (docs/metrics.md). Open like /healthz: scrapers
// carry no credentials, and nothing here is secret beyond host names and phases.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { API } from "../../../shared/api/routes.js";
import type { AppDeps } from "../app.js";
import { collectMetrics, CONTENT_TYPE, renderMetrics } from "../../fleet/metrics.js";

export const metricsRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.route({
    ...API.getMetrics,
    handler: async (_req, reply) => {
      const body = renderMetrics(collectMetrics(deps.state, deps.clock(), deps.rollouts?.current ?? null));
      return reply.type(CONTENT_TYPE).send(body);
    },
  });
};
