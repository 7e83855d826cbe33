import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { formatConfigError } from "../../../shared/yaml-config.js";
import { HOST_PHASES } from "../../../shared/api/phases.js";
import { API } from "../../../shared/api/routes.js";
import type { Fleet, HostView } from "../../../shared/api/index.js";
import type { AppDeps } from "../app.js";

/** Hosts by phase, the phase in lower case (the API's `hosts` counts after `total`). */
const countByPhase = (hosts: readonly HostView[]) =>
  Object.fromEntries(HOST_PHASES.map((phase) => [phase.toLowerCase(), hosts.filter((h) => h.phase === phase).length])) as Omit<Fleet["hosts"], "total">;

export const fleetRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.route({
    ...API.getFleet,
    handler: async () => {
      const { state } = deps;
      const hosts = state.hosts(deps.clock());
      return {
        revision: state.lastGood,
        validation: state.rejected
          ? {
              state: "invalid" as const,
              revision: state.rejected.revision,
              at: state.rejected.at,
              errors: state.rejected.errors.map((e) => ({ ...e, text: formatConfigError(e) })),
            }
          : { state: state.lastGood ? ("valid" as const) : ("unknown" as const), revision: state.lastGood, errors: [] },
        git: state.lastSync,
        hosts: { total: hosts.length, ...countByPhase(hosts) },
      };
    },
  });
};
