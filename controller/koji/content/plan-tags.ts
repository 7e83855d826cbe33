// Tags themselves: createTag(name, arches=, perm=, locked=, maven_support=, maven_include_all=,
// extra=) with only what differs from Koji's defaults; editTag2(name, <changed fields>,
// remove_extra=[…]) with only what differs; deleteTag(name). A declared tag's settings are what
// the declaration says (a key left out is Koji's default; extra keys not listed are removed).
import { call, keys, type CallValue, type PlannedCall } from "./calls.js";
import { mapBy, type PlanContext } from "./context.js";
import { decide, type FamilyPlan } from "./decide.js";
import { TAG_DEFAULTS, type DesiredTag, type TagSettings } from "./desired.js";
import { changed, conflictLine, created, deleted, sameValue, unmanagedLine, type Diff } from "./lines.js";
import type { KojiListedTag, KojiTagInfo } from "./observed.js";

const FLAGS = ["locked", "maven_support", "maven_include_all"] as const;
const normArches = (a: string | null): string => (a ?? "").split(/\s+/).filter(Boolean).join(" ");

/** The hub's tag as TagSettings: getTag's answer when read, else listTags' (no extra). */
function settingsOf(tag: KojiTagInfo | KojiListedTag): TagSettings {
  return { arches: normArches(tag.arches), perm: tag.perm, locked: tag.locked, maven_support: tag.maven_support, maven_include_all: tag.maven_include_all, extra: "extra" in tag ? tag.extra : {} };
}

/** editTag2's keyword arguments and the diffs they make, or null when nothing differs. */
export function tagEdits(want: TagSettings, have: TagSettings): { kwargs: Record<string, CallValue>; diffs: Diff[] } | null {
  const kwargs: Record<string, CallValue> = {};
  const diffs: Diff[] = [];
  if (want.arches !== have.arches) (kwargs.arches = want.arches), diffs.push(["arches", have.arches, want.arches]);
  if (want.perm !== have.perm) (kwargs.perm = want.perm), diffs.push(["perm", have.perm, want.perm]);
  for (const f of FLAGS) if (want[f] !== have[f]) (kwargs[f] = want[f]), diffs.push([f, have[f], want[f]]);
  const extra: Record<string, CallValue> = {};
  for (const [k, v] of Object.entries(want.extra)) {
    if (!(k in have.extra) || !sameValue(v, have.extra[k])) (extra[k] = v as CallValue), diffs.push([`extra.${k}`, have.extra[k], v]);
  }
  const remove = Object.keys(have.extra).filter((k) => !(k in want.extra)).sort();
  for (const k of remove) diffs.push([`extra.${k}`, have.extra[k], undefined]);
  if (Object.keys(extra).length > 0) kwargs.extra = extra;
  if (remove.length > 0) kwargs.remove_extra = remove;
  return diffs.length > 0 ? { kwargs, diffs } : null;
}

function createCall(t: DesiredTag): PlannedCall {
  const kwargs: Record<string, CallValue> = {};
  const attrs: [string, unknown][] = [];
  if (t.arches !== TAG_DEFAULTS.arches) (kwargs.arches = t.arches), attrs.push(["arches", t.arches]);
  if (t.perm !== TAG_DEFAULTS.perm) (kwargs.perm = t.perm), attrs.push(["perm", t.perm]);
  for (const f of FLAGS) if (t[f]) (kwargs[f] = true), attrs.push([f, true]);
  if (Object.keys(t.extra).length > 0) (kwargs.extra = t.extra as CallValue), attrs.push(["extra", t.extra]);
  return call("createTag", [t.name], kwargs, [created(`tag ${t.name}`, attrs)], { creates: [keys.tag(t.name)] });
}

export function planTags(ctx: PlanContext): FamilyPlan<PlannedCall> {
  const listed = mapBy(ctx.observed.tags, (t) => t.name);
  const have = (name: string) => settingsOf(ctx.detail(name)?.tag ?? listed.get(name)!);
  const decisions = decide(ctx.desired.tags, { seen: listed, key: keys.tag, owned: ctx.owned, same: (want) => tagEdits(want, have(want.name)) === null });
  const forward: PlannedCall[] = [];
  const reverse: PlannedCall[] = [];
  for (const d of decisions) {
    if (d.kind === "create") forward.push(createCall(d.want));
    else if (d.kind === "update") {
      const edit = tagEdits(d.want, have(d.name))!;
      forward.push(call("editTag2", [d.name], edit.kwargs, [changed(`tag ${d.name}`, edit.diffs)]));
    } else if (d.kind === "unmanaged") ctx.unmanaged.push(unmanagedLine(`tag ${d.name}`));
    else {
      // deleteTag also revokes the targets using the tag: an unmanaged target must not go with a tag git merely stopped listing.
      const users = ctx.observed.targets.filter((t) => (t.build_tag_name === d.name || t.dest_tag_name === d.name) && !isManagedTarget(ctx, t.name));
      if (d.dropped && users.length > 0) {
        ctx.conflicts.push(conflictLine(`tag ${d.name}`, `no longer declared, but unmanaged target ${users.map((t) => t.name).join(", ")} uses it (deleteTag would delete the target too); declare it with state: absent to delete it anyway`));
        continue;
      }
      ctx.deletedTags.add(d.name);
      reverse.push(call("deleteTag", [d.name], {}, [deleted(`tag ${d.name}`, d.dropped)], { deletes: [keys.tag(d.name)] }));
    }
  }
  return { forward, reverse: childrenFirst(ctx, reverse) };
}

/** Deletions of tags, children before their parents (as the hub's inheritance has them), else by name. */
function childrenFirst(ctx: PlanContext, deletions: PlannedCall[]): PlannedCall[] {
  const byTag = new Map(deletions.map((c) => [String(c.args[0]), c]));
  const parentsFirst: PlannedCall[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name) || !byTag.has(name)) return;
    seen.add(name);
    for (const l of ctx.detail(name)?.inheritance ?? []) visit(l.name);
    parentsFirst.push(byTag.get(name)!);
  };
  [...byTag.keys()].sort().forEach(visit);
  return parentsFirst.reverse();
}

const isManagedTarget = (ctx: PlanContext, name: string): boolean => ctx.desired.targets.some((t) => t.name === name) || ctx.owned.has(keys.target(name));
