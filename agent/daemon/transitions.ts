// Pure: which event a converge is worth, given the one before it. Events mark transitions
// (a new catalog applied, something broke, it recovered, drift repaired); a converge that
// changes nothing says nothing.
import type { EventType, FleetEvent } from "../../shared/protocol.js";
import type { ConvergeReport } from "../engine/converge.js";

export interface TransitionEvent {
  type: EventType;
  severity: FleetEvent["severity"];
  message: string;
  data: Record<string, unknown>;
}

export function transitionEvent(r: ConvergeReport, isNew: boolean, lastFailed: boolean, revision: string): TransitionEvent | null {
  const changed = r.results.filter((x) => x.outcome === "changed" || x.outcome === "pruned");
  const data = { changed: changed.map((x) => ({ id: x.id, changes: x.changes })), durationMs: r.durationMs };
  if (r.failed > 0) {
    if (!isNew && lastFailed) return null;
    const failed = r.results.filter((x) => x.outcome === "failed").map((x) => `${x.id}: ${x.error ?? "failed"}`);
    return { type: "failed", severity: "error", message: `${r.failed} resource(s) failed: ${failed.join("; ")}`, data: { failed } };
  }
  if (lastFailed) return { type: "recovered", severity: "info", message: `converged again, ${r.changed} change(s)`, data };
  if (isNew && !r.noop) return { type: "applied", severity: "info", message: `revision ${revision.slice(0, 12)} applied, ${r.changed} change(s)`, data };
  if (changed.length > 0) return { type: "drift-repaired", severity: "warning", message: `repaired drift in ${changed.map((x) => x.id).join(", ")}`, data };
  return null;
}

/**
 * One `security` event per resource the agent refused to act through (a symlink where none may
 * be, an object swapped in since observe): someone on the host may be trying to turn a root
 * agent against another file. Reported with each failed-converge event, so not every retry.
 */
export function unsafePathEvents(r: ConvergeReport): TransitionEvent[] {
  return r.results
    .filter((x) => x.outcome === "failed" && x.errorCode === "KF_ERR_UNSAFE_PATH")
    .map((x) => ({ type: "security", severity: "error", message: `${x.id}: ${x.error ?? "unsafe path"}`, data: { resource: x.id, kind: x.kind } }));
}

/**
 * How long the loop sleeps before converging the same catalog again. After failures: retry
 * soon, doubling per failed converge, never later than the re-converge interval; `jitter` (0…1)
 * takes up to a fifth off, so that hosts that failed together (a controller too busy to sign a
 * thousand certificates at once) do not all come back together.
 */
export function nextConvergeDelayMs(failedInARow: number, retrySeconds: number, reconvergeSeconds: number, jitter: number): number {
  if (failedInARow === 0) return reconvergeSeconds * 1000;
  const backoff = Math.min(reconvergeSeconds, retrySeconds * 2 ** Math.min(failedInARow - 1, 20));
  return Math.round(backoff * 1000 * (1 - 0.2 * jitter));
}
