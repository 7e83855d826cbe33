// Pins and the fleet-wide rollback (admin only, like every write):
//   GET /pins · POST /hosts/:host/pin {revision} · DELETE /hosts/:host/pin · POST /rollback {revision}
import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { HOST_NAME_PATTERN } from "../../../shared/names.js";
import type { AppDeps } from "../app.js";
import { sendError } from "../errors.js";
import type { PinResult } from "../../fleet/pins.js";

const REVISION = { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._/^~-]{0,199}$" } as const;
const HOST_PARAMS = { type: "object", properties: { host: { type: "string", pattern: HOST_NAME_PATTERN } }, required: ["host"] } as const;
const REVISION_BODY = { type: "object", properties: { revision: REVISION }, required: ["revision"] } as const;

function answer(reply: FastifyReply, r: PinResult) {
  if (!r.ok) return sendError(reply, r.code, r.message);
  return reply.code(202).send(r.state);
}

export const pinRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get("/pins", async (_req, reply) => (deps.pins ? deps.pins.state() : sendError(reply, "KF_ERR_NOT_READY", "the controller is starting")));

  app.post<{ Params: { host: string }; Body: { revision: string } }>("/hosts/:host/pin", { schema: { params: HOST_PARAMS, body: REVISION_BODY } }, async (req, reply) => {
    if (!deps.pins) return sendError(reply, "KF_ERR_NOT_READY", "the controller is starting");
    return answer(reply, await deps.pins.pin(req.params.host, req.body.revision));
  });

  app.delete<{ Params: { host: string } }>("/hosts/:host/pin", { schema: { params: HOST_PARAMS } }, async (req, reply) => {
    if (!deps.pins) return sendError(reply, "KF_ERR_NOT_READY", "the controller is starting");
    return answer(reply, await deps.pins.unpin(req.params.host));
  });

  app.post<{ Body: { revision: string } }>("/rollback", { schema: { body: REVISION_BODY } }, async (req, reply) => {
    if (!deps.pins) return sendError(reply, "KF_ERR_NOT_READY", "the controller is starting");
    return answer(reply, await deps.pins.rollback(req.body.revision));
  });
};
