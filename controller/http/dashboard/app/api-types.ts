// What the dashboard reads from /api/v1, as types only: every one is imported from where the
// controller defines it, so a change there fails the dashboard's type check. `import type`
// only: the bundle must hold no controller code (packaging/dashboard.mjs refuses any input
// outside this folder). The one file to repoint when the API types move.
import type { Condition, FleetEvent } from "../../../../shared/protocol.js";
import type { ConfigError } from "../../../../shared/yaml-config.js";
import type { HostPhase, HostView } from "../../../fleet/host-view.js";
import type { FleetState, RevisionInfo } from "../../../fleet/state.js";
import type { Rollout, RolloutPhase } from "../../../rollout/plan.js";
import type { GraphEdge, HostsSnapshot } from "../../routes/events-stream.js";

export type { Condition, FleetEvent, GraphEdge, HostPhase, HostsSnapshot, HostView, RevisionInfo, RolloutPhase };

/** GET /api/v1/fleet (controller/http/routes/fleet.ts). */
export interface FleetSummary {
  revision: RevisionInfo | null;
  validation:
    | { state: "invalid"; revision: RevisionInfo; at: string; errors: (ConfigError & { text: string })[] }
    | { state: "valid" | "unknown"; revision: RevisionInfo | null; errors: never[] };
  git: FleetState["lastSync"];
  hosts: Record<"total" | "ready" | "progressing" | "blocked" | "failed" | "unknown", number>;
}

/** GET /api/v1/rollouts/current (controller/http/routes/rollouts.ts): 404 until a rollout starts. */
export type CurrentRollout = Rollout & { waiting: Record<string, Waiting> };
/** Why the rollout holds a host back (FleetState.waiting). */
export type Waiting = FleetState["waiting"] extends ReadonlyMap<string, infer W> ? W : never;

/** GET /api/v1/events (controller/http/routes/events.ts). */
export interface EventList {
  events: FleetEvent[];
}
