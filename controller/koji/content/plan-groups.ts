// Build groups of a tag and their packages (comps as Koji keeps it):
//   groupListAdd(tag, group, block=, force=, <options>)            add, change options, block, unblock
//   groupListRemove(tag, group)                                     delete (this tag's entry)
//   groupPackageListAdd(tag, group, pkg, block=, force=, type=, basearchonly=, requires=)
//   groupPackageListRemove(tag, group, pkg)
// Koji reads groups through inheritance: a declared group or package an ancestor already provides
// as declared costs nothing, and Koji would ignore the add anyway (_grplist_add: "no point in
// adding it again"). Only this tag's own entries are deleted or reported unmanaged. In a tag
// that can inherit, an add spells out every option and passes force (PlanContext.mayInherit). Unblocking is
// an add with block=False and force=True, which rewrites the entry in one call; the *Unblock
// calls instead drop the entry and let inheritance show through, which one pass cannot predict.
import { call, keys, type CallValue, type PlannedCall } from "./calls.js";
import type { PlanContext } from "./context.js";
import { decide, type FamilyPlan } from "./decide.js";
import { GROUP_DEFAULTS, type DesiredGroup, type DesiredGroupPackage, type DesiredTag } from "./desired.js";
import { changed, created, deleted, diffs, unmanagedLine, type Diff } from "./lines.js";
import type { KojiGroupPackage, KojiTagGroup } from "./observed.js";

const OPTIONS = ["display_name", "description", "is_default", "uservisible", "exported", "langonly", "biarchonly"] as const;
const PKG_OPTIONS = ["type", "basearchonly", "requires"] as const;
const PKG_DEFAULTS = { type: "mandatory", basearchonly: null, requires: null };

const groupDiffs = (w: DesiredGroup, h: KojiTagGroup): Diff[] => diffs(w, h, [...OPTIONS, "blocked"]);
const pkgDiffs = (w: DesiredGroupPackage, h: KojiGroupPackage): Diff[] => diffs(w, h, [...PKG_OPTIONS, "blocked"]);

/** kwargs from diffs; an unblock also needs force (Koji refuses to re-add over a block otherwise). */
function kwargsOf(ds: readonly Diff[]): Record<string, CallValue> {
  const kwargs: Record<string, CallValue> = {};
  for (const [k, before, after] of ds) {
    if (k === "blocked") {
      kwargs.block = after as boolean;
      if (before === true && after === false) kwargs.force = true;
    } else kwargs[k] = after as CallValue;
  }
  return kwargs;
}

function planGroupPackages(ctx: PlanContext, t: DesiredTag, g: DesiredGroup, have: KojiTagGroup | undefined, tagId: number | undefined, reverse: PlannedCall[]): PlannedCall[] {
  const all = new Map((have?.packagelist ?? []).map((p) => [p.package, p]));
  const own = new Map([...all].filter(([, p]) => p.tag_id === tagId));
  const seen = ctx.comparable(t.name, all);
  const path = (p: string) => `tag ${t.name} group ${g.name} package ${p}`;
  const forward: PlannedCall[] = [];
  for (const d of decide(g.packages, { seen, own, key: (p) => keys.groupPackage(t.name, g.name, p), owned: ctx.owned, same: (w, h) => pkgDiffs(w, h).length === 0 })) {
    if (d.kind === "create") {
      const ds = diffs(d.want, { ...PKG_DEFAULTS, blocked: false }, [...PKG_OPTIONS, "blocked"]);
      const { type, basearchonly, requires, blocked } = d.want;
      const kwargs = ctx.mayInherit(t) ? { block: blocked, force: true, type, basearchonly, requires } : kwargsOf(ds);
      forward.push(call("groupPackageListAdd", [t.name, g.name, d.name], kwargs, [created(path(d.name), ds.map(([k, , v]) => [k, v] as const))], { creates: [keys.groupPackage(t.name, g.name, d.name)] }));
    } else if (d.kind === "update") {
      const ds = pkgDiffs(d.want, d.have);
      const creates = d.have.tag_id === tagId ? [] : [keys.groupPackage(t.name, g.name, d.name)];
      forward.push(call("groupPackageListAdd", [t.name, g.name, d.name], kwargsOf(ds), [changed(path(d.name), ds)], { creates }));
    } else if (d.kind === "delete") {
      reverse.push(call("groupPackageListRemove", [t.name, g.name, d.name], {}, [deleted(path(d.name), d.dropped)], { deletes: [keys.groupPackage(t.name, g.name, d.name)] }));
    } else ctx.unmanaged.push(unmanagedLine(path(d.name)));
  }
  return forward;
}

function planTag(ctx: PlanContext, t: DesiredTag): { forward: PlannedCall[]; reverse: PlannedCall[] } {
  const detail = ctx.detail(t.name);
  const tagId = detail?.tag.id;
  const all = new Map((detail?.groups ?? []).map((g) => [g.name, g]));
  const own = new Map([...all].filter(([, g]) => g.tag_id === tagId));
  const seen = ctx.comparable(t.name, all);
  const forward: PlannedCall[] = [];
  const packageRemovals: PlannedCall[] = [];
  const groupRemovals: PlannedCall[] = [];
  const path = (g: string) => `tag ${t.name} group ${g}`;
  const decisions = decide(t.groups, { seen, own, key: (g) => keys.group(t.name, g), owned: ctx.owned, same: (w, h) => groupDiffs(w, h).length === 0 });
  for (const d of decisions) {
    if (d.kind === "create") {
      const defaults = { ...GROUP_DEFAULTS, display_name: d.name, blocked: false };
      const ds = diffs(d.want, defaults, [...OPTIONS, "blocked"]);
      const explicit = { block: d.want.blocked, force: true, ...Object.fromEntries(OPTIONS.map((o) => [o, d.want[o]])) };
      forward.push(call("groupListAdd", [t.name, d.name], ctx.mayInherit(t) ? explicit : kwargsOf(ds), [created(path(d.name), ds.map(([k, , v]) => [k, v] as const))], { creates: [keys.group(t.name, d.name)] }));
    } else if (d.kind === "update") {
      const ds = groupDiffs(d.want, d.have);
      const creates = d.have.tag_id === tagId ? [] : [keys.group(t.name, d.name)];
      forward.push(call("groupListAdd", [t.name, d.name], kwargsOf(ds), [changed(path(d.name), ds)], { creates }));
    } else if (d.kind === "delete") {
      // groupListRemove leaves the group's package entries behind, hidden until an ancestor has the group again: they go first.
      const entries = d.have.packagelist.filter((p) => p.tag_id === tagId);
      packageRemovals.push(...entries.map((p) => call("groupPackageListRemove", [t.name, d.name, p.package])));
      const note = entries.length > 0 ? ` with its ${entries.length} package entr${entries.length === 1 ? "y" : "ies"}` : "";
      groupRemovals.push(call("groupListRemove", [t.name, d.name], {}, [deleted(path(d.name), d.dropped, note)], { deletes: [keys.group(t.name, d.name)] }));
    } else ctx.unmanaged.push(unmanagedLine(path(d.name)));
  }
  for (const g of t.groups) {
    if (g.state === "absent" || g.blocked) continue;
    forward.push(...planGroupPackages(ctx, t, g, all.get(g.name), tagId, packageRemovals));
  }
  return { forward, reverse: [...packageRemovals, ...groupRemovals] };
}

export function planGroups(ctx: PlanContext): FamilyPlan<PlannedCall> {
  const plans = ctx.presentTags().map((t) => planTag(ctx, t));
  return { forward: plans.flatMap((p) => p.forward), reverse: plans.flatMap((p) => p.reverse) };
}
