// How the API commands say that a pin or the fleet-wide rollback holds a host, and who made it when.
import type { HostView } from "../shared/api/hosts.js";
import { short } from "./api-client.js";

/** "pinned to abc by api since T", "rolled back to abc by CN since T", or "-". */
export function heldText(held: HostView["held"]): string {
  if (!held) return "-";
  return `${held.kind === "pinned" ? "pinned" : "rolled back"} to ${short(held.revision)} by ${held.by} since ${held.since}`;
}
