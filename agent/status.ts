// Pure: turns the agent's latest facts into the HostStatus it reports, with conditions whose
// lastTransitionTime only moves when their status or reason changes.
import type { AppliedRef, Condition, HostStatus, ProbeResult, ResourceResult } from "../shared/protocol.js";
import { VERSION } from "../shared/version.js";

export interface AgentFacts {
  host: string;
  startedAt: string;
  now: string;
  heartbeatSeconds: number;
  observed: AppliedRef | null;
  applied: AppliedRef | null;
  lastConverge: HostStatus["lastConverge"];
  resources: ResourceResult[];
  probes: ProbeResult[];
  /** Until when failing probes mean Starting, not failing (after a converge that changed the host). */
  startingUntil: string | null;
  /** A catalog that was refused, with the reason (bad signature, wrong host, older generation…). */
  rejected: string | null;
  converging: boolean;
}

type Draft = Omit<Condition, "lastTransitionTime">;

function convergedCondition(f: AgentFacts): Draft {
  if (f.rejected) return { type: "Converged", status: "False", reason: "CatalogRejected", message: f.rejected };
  if (!f.lastConverge) return { type: "Converged", status: "Unknown", reason: "NoCatalog", message: "waiting for a catalog" };
  const failed = f.resources.filter((r) => r.outcome === "failed");
  if (failed.length > 0 && failed.every((r) => r.errorCode === "KF_ERR_NOT_READY")) {
    // Only waiting (a closed gate): nothing is broken, something else must happen first.
    return { type: "Converged", status: "False", reason: "Waiting", message: failed.map((r) => r.error ?? r.id).join("; ") };
  }
  if (failed.length > 0) {
    const first = failed[0]!;
    const more = failed.length > 1 ? ` (and ${failed.length - 1} more)` : "";
    return { type: "Converged", status: "False", reason: "ResourceFailed", message: `${first.id}: ${first.error ?? "failed"}${more}` };
  }
  const pending = f.resources.filter((r) => r.outcome === "would-change").length;
  if (pending > 0) {
    return { type: "Converged", status: "True", reason: "Noop", message: `${pending} resource(s) would change (noop or sandbox)` };
  }
  return { type: "Converged", status: "True", reason: "Applied", message: `revision ${f.applied?.revision.slice(0, 12) ?? "?"} applied` };
}

function healthyCondition(f: AgentFacts): Draft {
  const failing = f.probes.filter((p) => !p.healthy);
  if (failing.length === 0) return { type: "Healthy", status: "True", reason: "ProbesPassing", message: `${f.probes.length} probe(s) passing` };
  const first = failing[0]!;
  if (f.startingUntil !== null && Date.parse(f.now) < Date.parse(f.startingUntil)) {
    return { type: "Healthy", status: "False", reason: "Starting", message: `probe ${first.id} not passing yet after the converge (a failure from ${f.startingUntil} on): ${first.output}` };
  }
  return { type: "Healthy", status: "False", reason: "ProbeFailing", message: `probe ${first.id} failing since ${first.since}: ${first.output}` };
}

export function conditionsFor(f: AgentFacts, previous: readonly Condition[]): Condition[] {
  const converged = convergedCondition(f);
  const healthy = healthyCondition(f);
  const ready: Draft =
    converged.status !== "True"
      ? { type: "Ready", status: converged.status, reason: converged.reason, message: converged.message }
      : healthy.status !== "True"
        ? { type: "Ready", status: "False", reason: healthy.reason, message: healthy.message }
        : { type: "Ready", status: "True", reason: "Converged", message: converged.message };
  const drafts: Draft[] = [ready, converged, healthy];
  const unsupported = f.resources.filter((r) => r.errorCode === "KF_ERR_UNSUPPORTED");
  if (unsupported.length > 0) {
    // Stalled: retrying cannot help; a person must change the catalog or the host's OS.
    drafts.push({ type: "Stalled", status: "True", reason: "UnsupportedPlatform", message: unsupported.map((r) => r.error).join("; ") });
  }
  if (f.converging) drafts.push({ type: "Reconciling", status: "True", reason: "Converging", message: "applying a catalog" });
  return drafts.map((d) => {
    const old = previous.find((c) => c.type === d.type);
    const same = old && old.status === d.status && old.reason === d.reason;
    return { ...d, lastTransitionTime: same ? old.lastTransitionTime : f.now };
  });
}

export function buildStatus(f: AgentFacts, previous: readonly Condition[]): HostStatus {
  return {
    protocol: "kf.v1.status",
    host: f.host,
    agentVersion: VERSION,
    startedAt: f.startedAt,
    lastSeen: f.now,
    heartbeatSeconds: f.heartbeatSeconds,
    observed: f.observed,
    applied: f.applied,
    lastConverge: f.lastConverge,
    conditions: conditionsFor(f, previous),
    resources: f.resources,
    probes: f.probes,
  };
}

/** One line for `systemctl status`: "converged rev abc123, 0 failing resource(s), 0 failing probe(s)". */
export function summaryLine(f: AgentFacts, catalogRevision: string | null): string {
  const failing = f.probes.filter((p) => !p.healthy).length;
  const failed = f.resources.filter((r) => r.outcome === "failed").length;
  if (f.rejected) return `catalog rejected: ${f.rejected}`.slice(0, 200);
  if (f.converging) return `converging rev ${catalogRevision?.slice(0, 12) ?? "?"}`;
  if (!f.applied) return catalogRevision ? `${failed} resource(s) failing` : "waiting for a catalog";
  return `converged rev ${f.applied.revision.slice(0, 12)}, ${failed} failing resource(s), ${failing} failing probe(s)`;
}
