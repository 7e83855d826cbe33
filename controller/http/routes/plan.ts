// POST /api/v1/plan {revision}: a live plan of a git revision (admin only, like every POST):
// each affected agent converges its candidate catalog in noop against its live state.
import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../app.js";
import { sendError } from "../errors.js";
import type { PlanResult } from "../../fleet/live-plan.js";

export type LivePlanService = (revision: string) => Promise<PlanResult>;

const REVISION = { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._/^~-]{0,199}$" } as const;

export const planRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.post<{ Body: { revision: string } }>(
    "/plan",
    { schema: { body: { type: "object", properties: { revision: REVISION }, required: ["revision"] } } },
    async (req, reply) => {
      if (!deps.livePlan) return sendError(reply, "KF_ERR_NOT_READY", "live plans need the controller's NATS connection");
      const r = await deps.livePlan(req.body.revision);
      // One error path: the status comes from the catalogue; config errors ride in the message.
      if (!r.ok) return sendError(reply, r.code, r.errors?.length ? `${r.message}\n${r.errors.join("\n")}` : r.message);
      return r.plan;
    },
  );
};
