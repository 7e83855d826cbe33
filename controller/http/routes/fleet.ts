import type { FastifyPluginAsync } from "fastify";
import { formatConfigError } from "../../../shared/yaml-config.js";
import type { AppDeps } from "../app.js";

export const fleetRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get("/fleet", async () => {
    const { state } = deps;
    const hosts = state.hosts(deps.clock());
    const count = (phase: string) => hosts.filter((h) => h.phase === phase).length;
    return {
      revision: state.lastGood,
      validation: state.rejected
        ? {
            state: "invalid",
            revision: state.rejected.revision,
            at: state.rejected.at,
            errors: state.rejected.errors.map((e) => ({ ...e, text: formatConfigError(e) })),
          }
        : { state: state.lastGood ? "valid" : "unknown", revision: state.lastGood, errors: [] },
      git: state.lastSync,
      hosts: {
        total: hosts.length,
        ready: count("Ready"),
        progressing: count("Progressing"),
        blocked: count("Blocked"),
        failed: count("Failed"),
        unknown: count("Unknown"),
      },
    };
  });
};
