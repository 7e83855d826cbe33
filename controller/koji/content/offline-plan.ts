// The Koji lines `koji-fleet plan` prints without a hub: a revision's content against a fresh hub
// (what a new farm gets), or against the hub as an earlier revision left it (asDeclared).
import type { FleetConfig } from "../../config/fleet-schema.js";
import { asDeclared, freshHub } from "./as-declared.js";
import { desiredContent } from "./desired.js";
import { planContent, planLines } from "./plan.js";

/** Every `+` line a fresh hub needs for `fleet`'s content. */
export function freshPlanLines(fleet: FleetConfig): string[] {
  const desired = desiredContent(fleet);
  return planLines(planContent(desired, freshHub(desired.known)));
}

/** The lines from the content of `before` (converged by koji-fleet) to that of `after`. */
export function planLinesBetween(before: FleetConfig, after: FleetConfig): string[] {
  const { observed, owned } = asDeclared(desiredContent(before));
  return planLines(planContent(desiredContent(after), observed, owned));
}
