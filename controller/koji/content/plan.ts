// The pure plan for Koji's content: (desired, observed, owned) → the hub calls that close the
// gap, and nothing else. A converged farm plans no call. Order: what others depend on exists
// first (users before owners and grants; external repos and tags before what uses them; tags
// before inheritance, targets, groups and packages), then every deletion, in reverse.
import type { ContentPlan, PlannedCall } from "./calls.js";
import { PlanContext } from "./context.js";
import type { FamilyPlan } from "./decide.js";
import type { DesiredContent } from "./desired.js";
import { planExternalRepos, planTagExternalRepos } from "./plan-external-repos.js";
import { planGroups } from "./plan-groups.js";
import { planInheritance } from "./plan-inheritance.js";
import { planBTypes, planChannels, planContentGenerators } from "./plan-misc.js";
import { planPackages } from "./plan-packages.js";
import { planTags } from "./plan-tags.js";
import { planTargets } from "./plan-targets.js";
import { planPermissions, planUsers } from "./plan-users.js";
import type { ObservedContent } from "./observed.js";

/** Families in dependency order. Tags come before the families inside them: they learn which tags are deleted. */
const FAMILIES: ReadonlyArray<(ctx: PlanContext) => FamilyPlan<PlannedCall>> = [
  planUsers,
  planPermissions,
  planChannels,
  planBTypes,
  planContentGenerators,
  planExternalRepos,
  planTags,
  planInheritance,
  planTagExternalRepos,
  planTargets,
  planGroups,
  planPackages,
];

export function planContent(desired: DesiredContent, observed: ObservedContent, owned: ReadonlySet<string> = new Set()): ContentPlan {
  const ctx = new PlanContext(desired, observed, owned);
  const plans = FAMILIES.map((family) => family(ctx));
  return {
    calls: [...plans.flatMap((p) => p.forward), ...plans.reverse().flatMap((p) => p.reverse)],
    unmanaged: ctx.unmanaged,
    conflicts: ctx.conflicts,
  };
}

/** Every line of a plan, as `koji-fleet plan` prints it: changes, then conflicts, then unmanaged objects. */
export function planLines(plan: ContentPlan): string[] {
  return [...plan.calls.flatMap((c) => c.lines), ...plan.conflicts, ...plan.unmanaged];
}
