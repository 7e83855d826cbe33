// External repositories and the tags that use them.
//   repos:  createExternalRepo(name, url), editExternalRepo(name, url=), deleteExternalRepo(name)
//   a tag's: addExternalRepoToTag(tag, repo, priority, merge_mode=, arches=),
//            editTagExternalRepo(tag, repo, priority=, merge_mode=, arches=) (only what differs),
//            removeExternalRepoFromTag(tag, repo)
// Koji refuses two repos of a tag at one priority at every step (add_external_repo_to_tag, which
// editTagExternalRepo also goes through), and cannot clear arches by editing (None = no change).
// So within a tag: removals first, then edits in an order where each new priority is free, and a
// repo whose new priority stays taken (a swap) is removed and added back after the others moved.
import { call, keys, type CallValue, type PlannedCall } from "./calls.js";
import { mapBy, type PlanContext } from "./context.js";
import { decide, type Decision, type FamilyPlan } from "./decide.js";
import type { DesiredTag, DesiredTagRepo } from "./desired.js";
import { changed, conflictLine, created, deleted, diffs, unmanagedLine, type Diff } from "./lines.js";
import type { KojiTagExternalRepo } from "./observed.js";

export function planExternalRepos(ctx: PlanContext): FamilyPlan<PlannedCall> {
  const have = mapBy(ctx.observed.externalRepos, (r) => r.name);
  const forward: PlannedCall[] = [];
  const reverse: PlannedCall[] = [];
  for (const d of decide(ctx.desired.externalRepos, { seen: have, key: keys.externalRepo, owned: ctx.owned, same: (w, h) => w.url === h.url })) {
    const path = `external-repo ${d.name}`;
    if (d.kind === "create") forward.push(call("createExternalRepo", [d.name, d.want.url], {}, [created(path, [["url", d.want.url]])], { creates: [keys.externalRepo(d.name)] }));
    else if (d.kind === "update") forward.push(call("editExternalRepo", [d.name], { url: d.want.url }, [changed(path, [["url", d.have.url, d.want.url]])]));
    else if (d.kind === "delete") reverse.push(call("deleteExternalRepo", [d.name], {}, [deleted(path, d.dropped)], { deletes: [keys.externalRepo(d.name)] }));
    else ctx.unmanaged.push(unmanagedLine(path));
  }
  return { forward, reverse };
}

type Link = { priority: number; merge_mode: string; arches: string | null };
const FIELDS = ["priority", "merge_mode", "arches"] as const;
const norm = (l: KojiTagExternalRepo): Link => ({ priority: l.priority, merge_mode: l.merge_mode, arches: l.arches === "" ? null : l.arches });
const linkDiffs = (w: DesiredTagRepo, h: KojiTagExternalRepo): Diff[] => diffs(w, norm(h), FIELDS);

function addCall(tag: string, w: DesiredTagRepo, lines: string[], creates: string[] = []): PlannedCall {
  const kwargs: Record<string, CallValue> = { merge_mode: w.merge_mode, ...(w.arches !== null && { arches: w.arches }) };
  return call("addExternalRepoToTag", [tag, w.name, w.priority], kwargs, lines, { creates });
}

function planTag(ctx: PlanContext, t: DesiredTag): PlannedCall[] {
  const have = mapBy(ctx.detail(t.name)?.external_repos ?? [], (l) => l.external_repo_name);
  const decisions = decide(t.external_repos, { seen: have, key: (r) => keys.tagRepo(t.name, r), owned: ctx.owned, same: (w, h) => linkDiffs(w, h).length === 0 });
  const path = (repo: string) => `tag ${t.name} external-repo ${repo}`;
  const unmanaged = new Map(decisions.filter((d) => d.kind === "unmanaged").map((d) => [d.have.priority, d.name]));
  const removes: PlannedCall[] = [];
  const edits: PlannedCall[] = [];
  const readds: PlannedCall[] = [];
  const adds: PlannedCall[] = [];
  /** Who holds each priority as the calls so far leave it. */
  const occupied = new Map([...have.values()].map((l) => [l.priority, l.external_repo_name]));
  let pending: Extract<Decision<DesiredTagRepo, KojiTagExternalRepo>, { kind: "update" }>[] = [];
  for (const d of decisions) {
    if (d.kind === "unmanaged") ctx.unmanaged.push(unmanagedLine(path(d.name), ` priority=${d.have.priority}`));
    else if (d.kind === "delete") {
      removes.push(call("removeExternalRepoFromTag", [t.name, d.name], {}, [deleted(path(d.name), d.dropped)], { deletes: [keys.tagRepo(t.name, d.name)] }));
      occupied.delete(d.have.priority);
    } else if (unmanaged.has(d.want.priority)) {
      ctx.conflicts.push(conflictLine(path(d.name), `priority ${d.want.priority} is held by unmanaged external repo ${unmanaged.get(d.want.priority)}`));
    } else if (d.kind === "create") {
      adds.push(addCall(t.name, d.want, [created(path(d.name), [["priority", d.want.priority], ["merge_mode", d.want.merge_mode], ...(d.want.arches !== null ? [["arches", d.want.arches] as const] : [])])], [keys.tagRepo(t.name, d.name)]));
    } else pending.push(d);
  }
  const move = (d: (typeof pending)[number]) => {
    // Removed now, added back once the others have moved: Koji cannot edit into a taken priority or clear arches.
    removes.push(call("removeExternalRepoFromTag", [t.name, d.name], {}, [changed(path(d.name), linkDiffs(d.want, d.have))]));
    occupied.delete(d.have.priority);
    readds.push(addCall(t.name, d.want, []));
  };
  for (const d of pending.filter((d) => d.want.arches === null && d.have.arches)) move(d);
  pending = pending.filter((d) => !(d.want.arches === null && d.have.arches));
  while (pending.length > 0) {
    const free = pending.find((d) => [undefined, d.name].includes(occupied.get(d.want.priority)));
    if (!free) {
      move(pending[0]!);
      pending = pending.slice(1);
      continue;
    }
    const kwargs: Record<string, CallValue> = {};
    for (const [k, , after] of linkDiffs(free.want, free.have)) kwargs[k] = after as CallValue;
    edits.push(call("editTagExternalRepo", [t.name, free.name], kwargs, [changed(path(free.name), linkDiffs(free.want, free.have))]));
    occupied.delete(free.have.priority);
    occupied.set(free.want.priority, free.name);
    pending = pending.filter((d) => d !== free);
  }
  return [...removes, ...edits, ...readds, ...adds];
}

export function planTagExternalRepos(ctx: PlanContext): FamilyPlan<PlannedCall> {
  return { forward: ctx.presentTags().flatMap((t) => planTag(ctx, t)), reverse: [] };
}
