// POST /api/v1/plan {revision}: a live plan of a git revision (admin only, like every POST):
// each affected agent converges its candidate catalog in noop against its live state.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { API } from "../../../shared/api/routes.js";
import type { AppDeps } from "../app.js";
import { sendError } from "../errors.js";
import type { PlanResult } from "../../fleet/live-plan.js";

export type LivePlanService = (revision: string) => Promise<PlanResult>;

export const planRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.route({
    ...API.postPlan,
    handler: async (req, reply) => {
      if (!deps.livePlan) return sendError(reply, "KF_ERR_NOT_READY", "live plans need the controller's NATS connection");
      const r = await deps.livePlan(req.body.revision);
      // One error path: the status comes from the catalogue; config errors ride in the message.
      if (!r.ok) return sendError(reply, r.code, r.errors?.length ? `${r.message}\n${r.errors.join("\n")}` : r.message);
      return r.plan;
    },
  });
};
