// Pure: what the controller says about one host, from what it asked (the desired catalog)
// and what the agent reported. Every state that is not Ready carries a reason and a since.
import type { Catalog, Condition } from "../../shared/protocol.js";
import type { HostPhase } from "../../shared/api/phases.js";
// The view's type is the API's schema (shared/api/hosts.ts): what this computes is what is sent.
import type { HostView } from "../../shared/api/hosts.js";
import type { KeptStatus } from "./kept-status.js";

/** What the revision in force compiled for a host, published or not yet. */
export interface IntendedHost {
  digest: string;
  roles: readonly string[];
}

export interface HostInputs {
  host: string;
  desired: Catalog | null;
  status: KeptStatus | null;
  fleetRevision: string | null;
  now: Date;
  /** When the controller started watching; the "since" of hosts never heard from. */
  watchingSince: string;
  /** Compiled for this host at the fleet revision (null: the desired catalog is). */
  intended?: IntendedHost | null;
  /** Set while a pin or the fleet-wide rollback keeps this host at another revision's content. */
  held?: HostView["held"];
  /** Set while a rollout holds this host's new catalog back. */
  waiting?: { message: string; since: string } | null;
}

const cond = (status: Condition["status"], reason: string, message: string, since: string): Condition => ({
  type: "Ready", status, reason, message, lastTransitionTime: since,
});

function readiness(i: HostInputs): Condition {
  const { desired, status } = i;
  if (!status) return cond("Unknown", "NoStatus", "the agent has not reported yet", i.watchingSince);
  const silentMs = i.now.getTime() - Date.parse(status.lastSeen);
  if (silentMs > 3 * status.heartbeatSeconds * 1000) {
    return cond("Unknown", "AgentSilent", `no heartbeat since ${status.lastSeen}`, status.lastSeen);
  }
  if (!desired && i.intended) {
    return cond("False", "Queued", `the rollout has not published this host's first catalog yet (revision ${i.fleetRevision?.slice(0, 12) ?? "?"})`, i.waiting?.since ?? i.watchingSince);
  }
  if (!desired) return cond("Unknown", "NotInFleet", "no desired catalog for this host", i.watchingSince);
  const agentReady = status.conditions.find((c) => c.type === "Ready");
  const converged = status.conditions.find((c) => c.type === "Converged");
  const target = i.intended?.digest ?? desired.digest;
  if (status.applied?.digest !== target && desired.digest !== target) {
    return cond("False", "Queued", `the rollout has not published revision ${(i.held?.revision ?? i.fleetRevision)?.slice(0, 12) ?? "?"} to this host yet`, desired.issuedAt);
  }
  if (status.applied?.digest !== desired.digest) {
    if (converged?.reason === "CatalogRejected") return cond("False", "CatalogRejected", converged.message, converged.lastTransitionTime);
    if (status.observed?.generation === desired.generation && converged?.status === "False") {
      return cond("False", converged.reason, converged.message, converged.lastTransitionTime);
    }
    return cond("False", "Converging", `waiting for the agent to apply generation ${desired.generation} (revision ${desired.revision.slice(0, 12)})`, desired.issuedAt);
  }
  if (!agentReady) return cond("Unknown", "NoReadyCondition", "the agent reported no Ready condition", status.lastSeen);
  return { ...agentReady };
}

export function hostView(i: HostInputs): HostView {
  const own = readiness(i);
  // A host the rollout holds back is not at the fleet's revision; unless it is broken or
  // silent anyway, the wait is the reason it is not there yet.
  const ready = i.waiting && (own.status === "True" || own.reason === "Converging" || own.reason === "Queued")
    ? cond("False", "WaitingForDependency", i.waiting.message, i.waiting.since)
    : own;
  const s = i.status;
  const inSync = Boolean(i.desired && s?.applied?.digest === (i.intended?.digest ?? i.desired.digest));
  // A held host's content is its pin's (or the rollback's) revision's, not the one in force.
  const desiredRevision = i.held?.revision ?? i.fleetRevision;
  const phase: HostPhase =
    ready.status === "True" ? "Ready"
    : ready.status === "Unknown" ? "Unknown"
    // Starting: the agent's probes fail in the seconds after a converge that changed the host.
    : ready.reason === "Converging" || ready.reason === "Queued" || ready.reason === "Starting" ? "Progressing"
    : ready.reason === "Waiting" || ready.reason === "WaitingForDependency" ? "Blocked"
    : "Failed";
  return {
    host: i.host,
    roles: [...(i.desired?.roles ?? i.intended?.roles ?? [])],
    phase,
    revision: inSync ? desiredRevision : (s?.applied?.revision ?? null),
    desiredRevision,
    held: i.held ?? null,
    desired: i.desired
      ? { revision: i.desired.revision, generation: i.desired.generation, digest: i.desired.digest, issuedAt: i.desired.issuedAt }
      : null,
    applied: s?.applied ?? null,
    agentVersion: s?.agentVersion ?? null,
    lastSeen: s?.lastSeen ?? null,
    conditions: [ready, ...(s?.conditions.filter((c) => c.type !== "Ready") ?? [])],
    resources: s?.resources ?? { total: 0, changed: 0, failed: 0, wouldChange: 0 },
    failing: s?.failing ?? { resources: [], probes: [] },
  };
}
