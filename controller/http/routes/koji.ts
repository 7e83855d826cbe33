// The Koji objects the controller converges through the hub's API, reported like resources, and
// Koji's content with its state (controller/koji/content-sync.ts).
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { API } from "../../../shared/api/routes.js";
import type { AppDeps } from "../app.js";

export const kojiRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.route({
    ...API.getKoji,
    handler: async () => {
      const k = deps.koji ?? null;
      if (!k) return { enabled: false, lastRunAt: null, registeredBuilders: [], kojiraPermitted: false, results: [], content: null };
      const content = deps.kojiContent?.status ?? null;
      return { enabled: true, lastRunAt: k.lastRunAt, registeredBuilders: [...k.registered].sort(), kojiraPermitted: k.kojiraPermitted, results: [...k.results], content };
    },
  });
};
