import type { FastifyPluginAsync } from "fastify";
import { HOST_NAME_PATTERN } from "../../../shared/names.js";
import type { AppDeps } from "../app.js";
import { sendError } from "../errors.js";

export const hostRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get("/hosts", async () => ({ hosts: deps.state.hosts(deps.clock()) }));

  app.get<{ Params: { host: string } }>(
    "/hosts/:host",
    { schema: { params: { type: "object", properties: { host: { type: "string", pattern: HOST_NAME_PATTERN } }, required: ["host"] } } },
    async (req, reply) => {
      const view = deps.state.host(req.params.host, deps.clock());
      if (!view) return sendError(reply, "KF_ERR_NOT_FOUND", `host ${req.params.host} is not in the fleet`);
      const status = deps.state.status.get(req.params.host);
      const desired = deps.state.desired.get(req.params.host);
      return {
        ...view,
        catalog: desired
          ? { revision: desired.revision, generation: desired.generation, digest: desired.digest, resources: desired.resources.map((r) => ({ id: r.id, kind: r.kind })), probes: desired.probes.map((p) => p.id) }
          : null,
        results: status?.resources ?? [],
        probes: status?.probes ?? [],
      };
    },
  );
};
