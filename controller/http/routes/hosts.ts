import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { API } from "../../../shared/api/routes.js";
import type { AppDeps } from "../app.js";
import { sendError } from "../errors.js";
import type { HostStatus } from "../../../shared/protocol.js";

export const hostRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.route({ ...API.getHosts, handler: async () => ({ hosts: deps.state.hosts(deps.clock()) }) });

  app.route({
    ...API.getHostsHost,
    handler: async (req, reply) => {
      const view = deps.state.host(req.params.host, deps.clock());
      if (!view) return sendError(reply, "KF_ERR_NOT_FOUND", `host ${req.params.host} is not in the fleet`);
      // The results are read whole from kf-status: the controller keeps only their counts.
      let status: HostStatus | null;
      try {
        status = await deps.reportedStatus(req.params.host);
      } catch (err) {
        return sendError(reply, "KF_ERR_NATS", `the status of ${req.params.host} could not be read from kf-status: ${err instanceof Error ? err.message : String(err)}`);
      }
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
  });
};
