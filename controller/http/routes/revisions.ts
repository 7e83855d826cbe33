// Revisions the controller processed, newest first, with their validation results.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { API } from "../../../shared/api/routes.js";
import type { AppDeps } from "../app.js";

export const revisionRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.route({ ...API.getRevisions, handler: async () => ({ inForce: deps.state.lastGood?.sha ?? null, revisions: deps.state.revisions }) });
};
