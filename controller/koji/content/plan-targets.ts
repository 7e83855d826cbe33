// Build targets: createBuildTarget(name, build_tag, dest_tag), editBuildTarget(name, name,
// build_tag, dest_tag) (Koji takes every field, the name twice: the second renames),
// deleteBuildTarget(name). Planned after the tags they name exist; deleted before tags are.
import { call, keys, type PlannedCall } from "./calls.js";
import { mapBy, type PlanContext } from "./context.js";
import { decide, type FamilyPlan } from "./decide.js";
import { changed, created, deleted, unmanagedLine, type Diff } from "./lines.js";

export function planTargets(ctx: PlanContext): FamilyPlan<PlannedCall> {
  const have = mapBy(ctx.observed.targets, (t) => t.name);
  const forward: PlannedCall[] = [];
  const reverse: PlannedCall[] = [];
  const same = (w: { build_tag: string; dest_tag: string }, h: { build_tag_name: string; dest_tag_name: string }) => w.build_tag === h.build_tag_name && w.dest_tag === h.dest_tag_name;
  for (const d of decide(ctx.desired.targets, { seen: have, key: keys.target, owned: ctx.owned, same })) {
    const path = `target ${d.name}`;
    if (d.kind === "create") {
      const { build_tag, dest_tag } = d.want;
      forward.push(call("createBuildTarget", [d.name, build_tag, dest_tag], {}, [created(path, [["build", build_tag], ["dest", dest_tag]])], { creates: [keys.target(d.name)] }));
    } else if (d.kind === "update") {
      const { build_tag, dest_tag } = d.want;
      const diffs: Diff[] = [];
      if (build_tag !== d.have.build_tag_name) diffs.push(["build", d.have.build_tag_name, build_tag]);
      if (dest_tag !== d.have.dest_tag_name) diffs.push(["dest", d.have.dest_tag_name, dest_tag]);
      forward.push(call("editBuildTarget", [d.name, d.name, build_tag, dest_tag], {}, [changed(path, diffs)]));
    } else if (d.kind === "delete") reverse.push(call("deleteBuildTarget", [d.name], {}, [deleted(path, d.dropped)], { deletes: [keys.target(d.name)] }));
    else ctx.unmanaged.push(unmanagedLine(path, ` build=${d.have.build_tag_name} dest=${d.have.dest_tag_name}`));
  }
  return { forward, reverse };
}
