import { randomUUID } from "node:crypto";
import type { EventType, FleetEvent } from "../../shared/protocol.js";
import { iso, type Clock } from "../../shared/time.js";

/** An event raised by the controller (source "controller"). */
export function controllerEvent(
  clock: Clock,
  type: EventType,
  severity: FleetEvent["severity"],
  message: string,
  extra: { host?: string; revision?: string; data?: Record<string, unknown> } = {},
): FleetEvent {
  return { protocol: "kf.v1.event", id: randomUUID(), at: iso(clock()), source: "controller", type, severity, message, ...extra };
}
