// Pins and the fleet-wide rollback (admin only, like every write):
//   GET /pins · POST /hosts/:host/pin {revision} · DELETE /hosts/:host/pin · POST /rollback {revision} · DELETE /rollback
import type { FastifyReply } from "fastify";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { API } from "../../../shared/api/routes.js";
import type { AppDeps } from "../app.js";
import { sendError } from "../errors.js";
import type { PinResult } from "../../fleet/pins.js";
import { author } from "../api-auth.js";

function answer(reply: FastifyReply, r: PinResult) {
  if (!r.ok) return sendError(reply, r.code, r.message);
  return reply.code(202).send(r.state);
}

export const pinRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.route({ ...API.getPins, handler: async (_req, reply) => (deps.pins ? deps.pins.state() : sendError(reply, "KF_ERR_NOT_READY", "the controller is starting")) });

  app.route({
    ...API.postHostsHostPin,
    handler: async (req, reply) => {
      if (!deps.pins) return sendError(reply, "KF_ERR_NOT_READY", "the controller is starting");
      return answer(reply, await deps.pins.pin(req.params.host, req.body.revision, author(req)));
    },
  });

  app.route({
    ...API.deleteHostsHostPin,
    handler: async (req, reply) => {
      if (!deps.pins) return sendError(reply, "KF_ERR_NOT_READY", "the controller is starting");
      return answer(reply, await deps.pins.unpin(req.params.host, author(req)));
    },
  });

  app.route({
    ...API.postRollback,
    handler: async (req, reply) => {
      if (!deps.pins) return sendError(reply, "KF_ERR_NOT_READY", "the controller is starting");
      return answer(reply, await deps.pins.rollback(req.body.revision, author(req)));
    },
  });

  app.route({
    ...API.deleteRollback,
    handler: async (req, reply) => {
      if (!deps.pins) return sendError(reply, "KF_ERR_NOT_READY", "the controller is starting");
      return answer(reply, await deps.pins.cancelRollback(author(req)));
    },
  });
};
