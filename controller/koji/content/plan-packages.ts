// A tag's package list:
//   packageListAdd(tag, pkg, owner=, block=, extra_arches=[, force=True to unblock])   add, block, unblock, arches
//   packageListSetOwner(tag, pkg, owner)                                              owner only
//   packageListRemove(tag, pkg)                                                       delete (this tag's entry)
// Read with inheritance like groups: an entry an ancestor provides as declared costs nothing. Koji
// cannot give a tag its own copy of an inherited entry that differs in owner alone (pkglist_add
// then writes only an owner row the listing never shows): that is reported as a conflict. In a
// tag that can inherit, an add spells out every field and passes force (PlanContext.mayInherit).
import { call, keys, type CallValue, type PlannedCall } from "./calls.js";
import type { PlanContext } from "./context.js";
import { decide, type FamilyPlan } from "./decide.js";
import type { DesiredPackage, DesiredTag } from "./desired.js";
import { changed, conflictLine, created, deleted, diffs, unmanagedLine, type Diff } from "./lines.js";
import type { KojiTagPackage } from "./observed.js";

const norm = (p: KojiTagPackage) => ({ owner: p.owner_name, blocked: p.blocked, extra_arches: (p.extra_arches ?? "").split(/\s+/).filter(Boolean).join(" ") });
const pkgDiffs = (w: DesiredPackage, h: KojiTagPackage): Diff[] => diffs(w, norm(h), ["owner", "blocked", "extra_arches"]);

function planTag(ctx: PlanContext, t: DesiredTag): { forward: PlannedCall[]; reverse: PlannedCall[] } {
  const detail = ctx.detail(t.name);
  const tagId = detail?.tag.id;
  const all = new Map((detail?.packages ?? []).map((p) => [p.package_name, p]));
  const own = new Map([...all].filter(([, p]) => p.tag_id === tagId));
  const seen = ctx.comparable(t.name, all);
  const path = (p: string) => `tag ${t.name} package ${p}`;
  const forward: PlannedCall[] = [];
  const reverse: PlannedCall[] = [];
  for (const d of decide(t.packages, { seen, own, key: (p) => keys.package(t.name, p), owned: ctx.owned, same: (w, h) => pkgDiffs(w, h).length === 0 })) {
    if (d.kind === "create") {
      const { owner, blocked, extra_arches } = d.want;
      const kwargs: Record<string, CallValue> = ctx.mayInherit(t)
        ? { owner, block: blocked, extra_arches, force: true }
        : { owner, ...(blocked && { block: true }), ...(extra_arches !== "" && { extra_arches }) };
      const attrs: [string, unknown][] = [["owner", owner]];
      if (blocked) attrs.push(["blocked", true]);
      if (extra_arches !== "") attrs.push(["extra_arches", extra_arches]);
      forward.push(call("packageListAdd", [t.name, d.name], kwargs, [created(path(d.name), attrs)], { creates: [keys.package(t.name, d.name)] }));
    } else if (d.kind === "update") {
      const ds = pkgDiffs(d.want, d.have);
      const inherited = d.have.tag_id !== tagId;
      if (ds.length === 1 && ds[0]![0] === "owner") {
        if (inherited) {
          ctx.conflicts.push(conflictLine(path(d.name), `inherited from ${d.have.tag_name} with owner ${d.have.owner_name}; Koji cannot give this tag its own entry differing in owner alone (set the owner on ${d.have.tag_name})`));
        } else forward.push(call("packageListSetOwner", [t.name, d.name, d.want.owner], {}, [changed(path(d.name), ds)]));
        continue;
      }
      const { owner, blocked, extra_arches } = d.want;
      const unblock = d.have.blocked && !blocked;
      forward.push(call("packageListAdd", [t.name, d.name], { owner, block: blocked, extra_arches, ...(unblock && { force: true }) }, [changed(path(d.name), ds)], { creates: inherited ? [keys.package(t.name, d.name)] : [] }));
    } else if (d.kind === "delete") {
      reverse.push(call("packageListRemove", [t.name, d.name], {}, [deleted(path(d.name), d.dropped)], { deletes: [keys.package(t.name, d.name)] }));
    } else ctx.unmanaged.push(unmanagedLine(path(d.name), ` owner=${d.have.owner_name}${d.have.blocked ? " blocked" : ""}`));
  }
  return { forward, reverse };
}

export function planPackages(ctx: PlanContext): FamilyPlan<PlannedCall> {
  const plans = ctx.presentTags().map((t) => planTag(ctx, t));
  return { forward: plans.flatMap((p) => p.forward), reverse: plans.flatMap((p) => p.reverse) };
}
