// What the dashboard reads from /api/v1, as types only: every one comes from the API's contract
// (shared/api/), the schemas fastify validates and serializes with, so a change there fails the
// dashboard's type check. `import type` only: the bundle must hold no code from outside this
// folder (packaging/dashboard.mjs refuses any).
import type { Condition, FleetEvent } from "../../../../shared/protocol.js";
import type { EventList, Fleet, GraphEdge, HostPhase, HostsSnapshot, HostView, Koji, Revision, RolloutPhase, RolloutView } from "../../../../shared/api/index.js";

export type { Condition, EventList, FleetEvent, GraphEdge, HostPhase, HostsSnapshot, HostView, RolloutPhase };
/** GET /api/v1/fleet. */
export type FleetSummary = Fleet;
/** A commit as the API names it. */
export type RevisionInfo = Revision;
/** GET /api/v1/rollouts/current: 404 until a rollout starts. */
export type CurrentRollout = RolloutView;
/** GET /api/v1/koji: the Koji objects and Koji's content. */
export type KojiStatus = Koji;
