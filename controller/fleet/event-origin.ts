// Who may say what on kf.events.*: an agent publishes only on its own subject (its NATS
// permissions), but the body is its own to write. An event on kf.events.<host> is believed
// only as an agent's event about <host>; the controller alone can publish kf.events._fleet.
import { FLEET_EVENT_SUBJECT } from "../../shared/names.js";
import type { FleetEvent } from "../../shared/protocol.js";
import type { Clock } from "../../shared/time.js";
import { controllerEvent } from "./events.js";

const HOST_SUBJECT = /^kf\.events\.([a-z0-9-]+)$/;

/** The host whose subject an event came on; null for the controller's own subjects. */
export const senderOf = (subject: string): string | null => HOST_SUBJECT.exec(subject)?.[1] ?? null;

/** Why an event read from `subject` is not to be believed; null when it is. */
export function forgeryOf(subject: string, e: FleetEvent): string | null {
  const sender = senderOf(subject);
  if (sender === null) return subject === FLEET_EVENT_SUBJECT ? null : `event on ${subject}, which no one publishes`;
  if (e.source !== "agent") return `${sender} published a ${e.source} event (${e.type}) on ${subject}`;
  if (e.host !== sender) return `${sender} published an event (${e.type}) about ${e.host ?? "the whole fleet"} on ${subject}`;
  return null;
}

/**
 * The security event recording a forged event, naming its sender (host and subject). One per
 * sender per window, counting what it held back: a host that floods forged events must not
 * flood the fleet's event log (and KF_EVENTS) with our reports too.
 */
export class ForgeryReports {
  private readonly last = new Map<string, { at: number; held: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly windowMs = 60_000,
  ) {}

  /** The event to record now, or null while this sender's window is still open. */
  event(subject: string, reason: string): FleetEvent | null {
    const now = this.clock().getTime();
    const seen = this.last.get(subject);
    if (seen && now - seen.at < this.windowMs) {
      seen.held++;
      return null;
    }
    this.last.set(subject, { at: now, held: 0 });
    const held = seen?.held ? ` (${seen.held} more on ${subject} dropped since the last report)` : "";
    const sender = senderOf(subject);
    return controllerEvent(this.clock, "security", "error", `forged event dropped: ${reason}${held}`, { ...(sender && { host: sender }), data: { subject } });
  }
}
