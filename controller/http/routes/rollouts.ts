// The current rollout, and the two decisions a person makes about a halted one.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { API } from "../../../shared/api/routes.js";
import type { AppDeps } from "../app.js";
import { sendError } from "../errors.js";

export const rolloutRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.route({
    ...API.getRolloutsCurrent,
    handler: async (_req, reply) => {
      const r = deps.rollouts?.current ?? null;
      if (!r) return sendError(reply, "KF_ERR_NOT_FOUND", "no rollout has started since the controller started");
      const waiting = Object.fromEntries(deps.state.waiting);
      return { ...r, waiting };
    },
  });

  const act = (action: "resume" | "abort") => async (_req: FastifyRequest, reply: FastifyReply) => {
    const r = deps.rollouts?.current ?? null;
    if (!r) return sendError(reply, "KF_ERR_NOT_FOUND", "no rollout to act on");
    const ok = action === "resume" ? deps.rollouts!.resume() : deps.rollouts!.abort();
    if (!ok) return sendError(reply, "KF_ERR_CONFLICT", `cannot ${action} a rollout that is ${r.phase}`);
    return reply.code(202).send({ phase: r.phase });
  };
  app.route({ ...API.postRolloutsCurrentResume, handler: act("resume") });
  app.route({ ...API.postRolloutsCurrentAbort, handler: act("abort") });
};
