// Secrets an operator brings in: GET /secrets (names, origins, dates, users; never values) ·
// POST /secrets/:name {value} (admin, like every write). The value goes to the vault and the
// sealed catalogs only: no answer, log line or event carries it.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { API } from "../../../shared/api/routes.js";
import type { AppDeps } from "../app.js";
import { sendError } from "../errors.js";
import { author } from "../api-auth.js";

export const secretRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.route({ ...API.getSecrets, handler: async (_req, reply) => (deps.secrets ? deps.secrets.list() : sendError(reply, "KF_ERR_NOT_READY", "the controller is starting")) });

  app.route({
    ...API.postSecretsName,
    handler: async (req, reply) => {
      if (!deps.secrets) return sendError(reply, "KF_ERR_NOT_READY", "the controller is starting");
      const r = await deps.secrets.set(req.params.name, req.body.value, author(req));
      if (!r.ok) return sendError(reply, r.code, r.message);
      return reply.code(202).send(r.answer);
    },
  });
};
