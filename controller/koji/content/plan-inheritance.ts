// A tag's parents: one setInheritanceData(tag, data) per tag with every link that changes. Koji
// applies the list at once and checks priorities on the result, so a reorder or a priority swap
// is one call; a link is removed with {parent_id, "delete link": true} (kojihub
// _writeInheritanceData). Links name parents by id: a parent this plan creates is a TagIdRef.
import { call, keys, type CallValue, type PlannedCall } from "./calls.js";
import { mapBy, type PlanContext } from "./context.js";
import { decide, type FamilyPlan } from "./decide.js";
import type { DesiredLink, DesiredTag } from "./desired.js";
import { changed, conflictLine, created, deleted, diffs, unmanagedLine } from "./lines.js";
import type { KojiInheritanceLink } from "./observed.js";

const FIELDS = ["priority", "maxdepth", "intransitive", "noconfig", "pkg_filter"] as const;
const DEFAULTS = { maxdepth: null, intransitive: false, noconfig: false, pkg_filter: "" };

const linkDiffs = (want: DesiredLink, have: KojiInheritanceLink) => diffs(want, have, FIELDS);

function planTag(ctx: PlanContext, t: DesiredTag): PlannedCall | null {
  const have = mapBy(ctx.detail(t.name)?.inheritance ?? [], (l) => l.name);
  const decisions = decide(t.inheritance, { seen: have, key: (p) => keys.parent(t.name, p), owned: ctx.owned, same: (w, h) => linkDiffs(w, h).length === 0 });
  const path = (parent: string) => `tag ${t.name} parent ${parent}`;
  // Links that stay as they are: unmanaged ones, and declared ones that already match.
  const leaving = new Set(decisions.filter((d) => d.kind === "delete" || d.kind === "update").map((d) => d.name));
  const keptPriority = new Map([...have.values()].filter((l) => !leaving.has(l.name)).map((l) => [l.priority, l.name]));
  const data: CallValue[] = [];
  const lines: string[] = [];
  const creates: string[] = [];
  const deletes: string[] = [];
  for (const d of decisions) {
    if (d.kind === "unmanaged") {
      ctx.unmanaged.push(unmanagedLine(path(d.name), ` priority=${d.have.priority}`));
      continue;
    }
    if (d.kind === "delete") {
      data.push({ parent_id: d.have.parent_id, "delete link": true });
      lines.push(deleted(path(d.name), d.dropped));
      deletes.push(keys.parent(t.name, d.name));
      continue;
    }
    const w = d.want;
    const holder = keptPriority.get(w.priority);
    if (holder !== undefined && holder !== w.name) {
      ctx.conflicts.push(conflictLine(path(w.name), `priority ${w.priority} is held by unmanaged parent ${holder}`));
      continue;
    }
    data.push({ parent_id: ctx.tagId(w.name), priority: w.priority, maxdepth: w.maxdepth, intransitive: w.intransitive, noconfig: w.noconfig, pkg_filter: w.pkg_filter });
    if (d.kind === "create") {
      const attrs = FIELDS.filter((f) => f === "priority" || w[f] !== DEFAULTS[f]).map((f) => [f, w[f]] as const);
      lines.push(created(path(w.name), attrs));
      creates.push(keys.parent(t.name, w.name));
    } else lines.push(changed(path(w.name), linkDiffs(w, d.have)));
  }
  if (data.length === 0) return null;
  ctx.relinkedTags.add(t.name);
  return call("setInheritanceData", [t.name, data], {}, lines, { creates, deletes });
}

export function planInheritance(ctx: PlanContext): FamilyPlan<PlannedCall> {
  const forward = ctx
    .presentTags()
    .map((t) => planTag(ctx, t))
    .filter((c): c is PlannedCall => c !== null);
  return { forward, reverse: [] };
}
