// The current rollout, and the two decisions a person makes about a halted one.
import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../app.js";
import { sendError } from "../errors.js";

export const rolloutRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get("/rollouts/current", async (_req, reply) => {
    const r = deps.rollouts?.current ?? null;
    if (!r) return sendError(reply, "KF_ERR_NOT_FOUND", "no rollout has started since the controller started");
    const waiting = Object.fromEntries(deps.state.waiting);
    return { ...r, waiting };
  });

  for (const action of ["resume", "abort"] as const) {
    app.post(`/rollouts/current/${action}`, async (_req, reply) => {
      const r = deps.rollouts?.current ?? null;
      if (!r) return sendError(reply, "KF_ERR_NOT_FOUND", "no rollout to act on");
      const ok = action === "resume" ? deps.rollouts!.resume() : deps.rollouts!.abort();
      if (!ok) return sendError(reply, "KF_ERR_CONFLICT", `cannot ${action} a rollout that is ${r.phase}`);
      return reply.code(202).send({ phase: r.phase });
    });
  }
};
