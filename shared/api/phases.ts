// The phases a host and a rollout can be in, each listed once: the controller's status model
// (controller/fleet/host-view.ts), the rollout, the metrics, the API's schemas and the CLI
// take them from here. Event types are the wire protocol's (EVENT_TYPES in shared/protocol.ts).
import { StringEnum } from "./schema-kit.js";

export const HOST_PHASES = ["Ready", "Progressing", "Blocked", "Failed", "Unknown"] as const;
export type HostPhase = (typeof HOST_PHASES)[number];
export const HostPhaseSchema = StringEnum(HOST_PHASES, {
  description: "Ready; Progressing (the agent has not applied its newest catalog yet, or the rollout has not published it); Blocked (waiting for another host or a gate); Failed (a resource or probe failed, or the catalog was rejected); Unknown (no status yet, or no heartbeat for 3 intervals)",
});

export const ROLLOUT_PHASES = ["Progressing", "Halted", "Complete", "Aborted", "Superseded"] as const;
export type RolloutPhase = (typeof ROLLOUT_PHASES)[number];
export const RolloutPhaseSchema = StringEnum(ROLLOUT_PHASES);
