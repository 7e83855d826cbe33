// The Koji objects the controller converges through the hub's API, reported like resources.
import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../app.js";

export const kojiRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get("/koji", async () => {
    const k = deps.koji ?? null;
    if (!k) return { enabled: false, lastRunAt: null, registeredBuilders: [], kojiraPermitted: false, results: [] };
    return { enabled: true, lastRunAt: k.lastRunAt, registeredBuilders: [...k.registered].sort(), kojiraPermitted: k.kojiraPermitted, results: k.results };
  });
};
