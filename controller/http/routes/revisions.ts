// Revisions the controller processed, newest first, with their validation results.
import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../app.js";

export const revisionRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get("/revisions", async () => ({ inForce: deps.state.lastGood?.sha ?? null, revisions: deps.state.revisions }));
};
