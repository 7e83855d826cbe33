// A Koji hub's content in memory, changed only through the calls the content plan makes, with
// Koji 1.35's semantics as kojihub.py has them: the same refusals (a duplicate, a taken priority,
// a missing parent, re-adding over a block without force), the same no-ops (an add equal to what
// the tag inherits), the same inheritance reading. It answers the reader's calls as
// ObservedContent. Tests apply a plan to it and plan again: a correct plan converges in one pass.
import { ownedAfter, resolveTagIds, type ContentPlan, type PlannedCall } from "../../controller/koji/content/calls.js";
import { desiredContentOf } from "../../controller/koji/content/desired.js";
import { planContent, planLines } from "../../controller/koji/content/plan.js";
import type { KojiContent } from "../../controller/config/koji-content-schema.js";
import { fail, GROUP_FIELDS, HubState, type Group, type GroupPkg, type Json } from "./koji-content-hub-state.js";

export { KojiError } from "./koji-content-hub-state.js";

export class ContentHub extends HubState {
  /** Applies planned calls in order, each TagIdRef resolved to the id the hub has by then (as the IO half will). */
  apply(calls: readonly PlannedCall[]): void {
    for (const c of calls) {
      const ids = new Map([...this.tags].map(([n, t]) => [n, t.id]));
      const args = c.args.map((a) => resolveTagIds(a, ids));
      const kw = resolveTagIds(c.kwargs, ids) as Json;
      this.log.push(`${c.method} ${JSON.stringify(args)}${Object.keys(kw).length > 0 ? ` ${JSON.stringify(kw)}` : ""}`);
      const fn = (this as unknown as Record<string, (args: unknown[], kw: Json) => void>)[`call_${c.method}`];
      if (!fn) fail(`no such hub method ${c.method}`);
      fn!.call(this, args, kw);
    }
  }

  // ---- tags ----
  call_createTag([name]: unknown[], kw: Json) {
    if (this.tags.has(String(name))) fail(`A tag with the name '${String(name)}' already exists`);
    const perm = (kw.perm as string | undefined) ?? null;
    if (perm !== null && !this.allPerms.has(perm)) fail(`No such permission: ${perm}`);
    this.tags.set(String(name), { id: this.id(), arches: (kw.arches as string) ?? "", perm, locked: Boolean(kw.locked), maven_support: Boolean(kw.maven_support), maven_include_all: Boolean(kw.maven_include_all), extra: { ...((kw.extra as Json) ?? {}) } });
  }
  call_editTag2([name]: unknown[], kw: Json) {
    const t = this.tag(name);
    if ("perm" in kw && kw.perm !== null && !this.allPerms.has(String(kw.perm))) fail(`No such permission: ${String(kw.perm)}`);
    for (const k of ["arches", "perm", "locked", "maven_support", "maven_include_all"] as const) if (k in kw) (t as unknown as Json)[k] = kw[k];
    const remove = (kw.remove_extra as string[] | undefined) ?? [];
    for (const k of Object.keys((kw.extra as Json) ?? {})) if (remove.includes(k)) fail(`Can not both add/update and remove tag-extra: '${k}'`);
    for (const k of remove) if (!(k in t.extra)) fail(`Tag: ${String(name)} doesn't have extra: ${k}`);
    Object.assign(t.extra, kw.extra ?? {});
    for (const k of remove) delete t.extra[k];
  }
  call_deleteTag([name]: unknown[]) {
    const n = String(name);
    this.tag(n);
    this.tags.delete(n);
    this.links.delete(n);
    for (const [child, ls] of this.links) this.links.set(child, ls.filter((l) => l.parent !== n));
    for (const [t, x] of this.targets) if (x.build === n || x.dest === n) this.targets.delete(t);
    for (const m of [this.tagRepos, this.groups, this.groupPkgs, this.packages] as Map<string, unknown>[]) m.delete(n);
  }
  call_setInheritanceData([tag, data]: unknown[]) {
    const child = this.tagName(tag);
    const current = new Map((this.links.get(child) ?? []).map((l) => [l.parent, l]));
    for (const link of data as Json[]) {
      const parent = this.tagName(link.parent_id);
      if (link["delete link"]) current.delete(parent);
      else current.set(parent, { parent, priority: link.priority as number, maxdepth: link.maxdepth as number | null, intransitive: link.intransitive as boolean, noconfig: link.noconfig as boolean, pkg_filter: link.pkg_filter as string });
    }
    const priorities = [...current.values()].map((l) => l.priority);
    if (new Set(priorities).size !== priorities.length) fail(`Multiple parent tags cannot have the same priority value on child tag ${child}`);
    this.links.set(child, [...current.values()].sort((a, b) => a.priority - b.priority));
  }

  // ---- external repos ----
  call_createExternalRepo([name, url]: unknown[]) {
    if (this.repos.has(String(name))) fail(`An external repo named "${String(name)}" already exists`);
    this.repos.set(String(name), { id: this.id(), url: String(url).endsWith("/") ? String(url) : `${String(url)}/` });
  }
  call_editExternalRepo([name]: unknown[], kw: Json) {
    const r = this.repos.get(String(name)) ?? fail(`No such repo: ${String(name)}`);
    if (kw.url) r.url = String(kw.url).endsWith("/") ? String(kw.url) : `${String(kw.url)}/`;
  }
  call_deleteExternalRepo([name]: unknown[]) {
    if (!this.repos.delete(String(name))) fail(`No such repo: ${String(name)}`);
    for (const m of this.tagRepos.values()) m.delete(String(name));
  }
  call_addExternalRepoToTag([tag, repo, priority]: unknown[], kw: Json) {
    const t = this.tagName(tag);
    if (!this.repos.has(String(repo))) fail(`No such repo: ${String(repo)}`);
    const mode = (kw.merge_mode as string | undefined) ?? "koji";
    if (!["koji", "simple", "bare"].includes(mode)) fail(`No such merge mode: ${mode}`);
    const m = this.sub(this.tagRepos, t);
    if (m.has(String(repo))) fail(`tag ${t} already associated with external repo ${String(repo)}`);
    if ([...m.values()].some((x) => x.priority === priority)) fail(`tag ${t} already associated with an external repo at priority ${String(priority)}`);
    m.set(String(repo), { priority: priority as number, merge_mode: mode, arches: (kw.arches as string | undefined) ?? null });
  }
  call_removeExternalRepoFromTag([tag, repo]: unknown[]) {
    const t = this.tagName(tag);
    if (!this.sub(this.tagRepos, t).delete(String(repo))) fail(`external repo ${String(repo)} not associated with tag ${t}`);
  }
  call_editTagExternalRepo([tag, repo]: unknown[], kw: Json) {
    const t = this.tagName(tag);
    const cur = this.sub(this.tagRepos, t).get(String(repo)) ?? fail(`external repo ${String(repo)} not associated with tag ${t}`);
    const data = { priority: kw.priority ?? cur.priority, merge_mode: kw.merge_mode ?? cur.merge_mode, arches: kw.arches ?? cur.arches };
    this.call_removeExternalRepoFromTag([t, repo]);
    this.call_addExternalRepoToTag([t, repo, data.priority], { merge_mode: data.merge_mode, arches: data.arches });
  }

  // ---- targets ----
  call_createBuildTarget([name, build, dest]: unknown[]) {
    if (this.targets.has(String(name))) fail(`A build target with the name '${String(name)}' already exists`);
    this.targets.set(String(name), { id: this.id(), build: this.tagName(build), dest: this.tagName(dest) });
  }
  call_editBuildTarget([name, newName, build, dest]: unknown[]) {
    const t = this.targets.get(String(name)) ?? fail(`No such build target: ${String(name)}`);
    this.targets.delete(String(name));
    this.targets.set(String(newName), { id: t.id, build: this.tagName(build), dest: this.tagName(dest) });
  }
  call_deleteBuildTarget([name]: unknown[]) {
    if (!this.targets.delete(String(name))) fail(`No such build target: ${String(name)}`);
  }

  // ---- groups (kojihub _grplist_add, _grp_pkg_add) ----
  call_groupListAdd([tag, group]: unknown[], kw: Json) {
    const t = this.tagName(tag);
    const g = String(group);
    this.groupId(g);
    const previous = this.inheritedGroups(t).get(g);
    const opts: Json = Object.fromEntries(GROUP_FIELDS.filter((f) => f in kw).map((f) => [f, kw[f]]));
    opts.blocked = Boolean(kw.block);
    if (previous) {
      if (previous.group.blocked && !kw.force) fail(`group ${g} is blocked in tag ${t}`);
      let changed = false;
      for (const f of GROUP_FIELDS) {
        if (f in opts) changed ||= opts[f] !== previous.group[f];
        else opts[f] = previous.group[f];
      }
      if (!changed) return;
    }
    const full: Group = { display_name: g, biarchonly: false, exported: true, uservisible: true, is_default: null, description: null, langonly: null, ...(opts as Partial<Group>), blocked: Boolean(opts.blocked) };
    this.sub(this.groups, t).set(g, full);
  }
  call_groupListRemove([tag, group]: unknown[]) {
    const t = this.tagName(tag);
    if (!this.sub(this.groups, t).delete(String(group))) fail(`No group: ${String(group)} found for tag: ${t}`);
  }
  call_groupPackageListAdd([tag, group, pkg]: unknown[], kw: Json) {
    const t = this.tagName(tag);
    const g = this.inheritedGroups(t).get(String(group)) ?? fail(`group ${String(group)} not present in tag ${t}`);
    if (g.group.blocked) fail(`group ${String(group)} is blocked in tag ${t}`);
    const block = Boolean(kw.block);
    const previous = g.packages.get(String(pkg));
    const opts: Json = Object.fromEntries((["type", "basearchonly", "requires"] as const).filter((f) => f in kw).map((f) => [f, kw[f]]));
    if (previous) {
      if (previous.entry.blocked && !kw.force) fail(`package ${String(pkg)} blocked in group ${String(group)}, tag ${t}`);
      let changed = block;
      for (const f of ["type", "basearchonly", "requires"] as const) {
        if (f in opts) changed ||= opts[f] !== previous.entry[f];
        else opts[f] = previous.entry[f];
      }
      if (!changed && !kw.force) return;
    }
    const entry: GroupPkg = { type: "mandatory", basearchonly: null, requires: null, ...(opts as Partial<GroupPkg>), blocked: block };
    this.sub(this.sub(this.groupPkgs, t) as Map<string, Map<string, GroupPkg>>, String(group)).set(String(pkg), entry);
  }
  call_groupPackageListRemove([tag, group, pkg]: unknown[]) {
    this.groupPkgs.get(this.tagName(tag))?.get(String(group))?.delete(String(pkg));
  }

  // ---- packages (kojihub pkglist_add) ----
  call_packageListAdd([tag, pkg]: unknown[], kw: Json) {
    this.pkglistAdd(this.tagName(tag), String(pkg), (kw.owner as string | undefined) ?? null, kw.block as boolean | undefined, kw.extra_arches as string | undefined, Boolean(kw.force), false);
  }
  call_packageListSetOwner([tag, pkg, owner]: unknown[]) {
    this.pkglistAdd(this.tagName(tag), String(pkg), String(owner), undefined, undefined, false, true);
  }
  call_packageListRemove([tag, pkg]: unknown[]) {
    this.packages.get(this.tagName(tag))?.delete(String(pkg));
  }
  private pkglistAdd(t: string, pkg: string, owner: string | null, block: boolean | undefined, extra: string | undefined, force: boolean, update: boolean) {
    if (owner !== null) this.user(owner);
    const previous = this.inheritedPackages(t).get(pkg);
    if (!previous) {
      if (update) fail(`cannot update: tag ${t} has no data for package ${pkg}`);
      this.sub(this.packages, t).set(pkg, { owner: owner ?? fail("owner not specified"), blocked: Boolean(block), extra_arches: extra ?? null });
      return;
    }
    const o = owner ?? previous.owner;
    const b = block ?? previous.blocked;
    const e = extra ?? previous.extra_arches;
    const changed = b !== previous.blocked || e !== previous.extra_arches;
    if (!changed && o === previous.owner && !force) return;
    if (previous.blocked && !b && !force) fail(`package ${pkg} is blocked in tag ${t}`);
    // Only the owner changed on an inherited entry: Koji writes an owner row the listing never shows.
    if (!changed && previous.tag !== t) return;
    this.sub(this.packages, t).set(pkg, { owner: o, blocked: b, extra_arches: e });
  }

  // ---- users, permissions, channels, CGs, btypes ----
  call_createUser([name]: unknown[]) {
    if (this.users.has(String(name))) fail(`user already exists: ${String(name)}`);
    this.users.set(String(name), { id: this.id(), status: 0 });
  }
  call_enableUser([name]: unknown[]) {
    (this.users.get(String(name)) ?? fail(`No such user: ${String(name)}`)).status = 0;
  }
  call_disableUser([name]: unknown[]) {
    (this.users.get(String(name)) ?? fail(`No such user: ${String(name)}`)).status = 1;
  }
  call_grantPermission([user, perm]: unknown[], kw: Json) {
    this.user(user);
    if (!this.allPerms.has(String(perm))) (kw.create ? this.allPerms.add(String(perm)) : fail(`No such permission: ${String(perm)}`));
    const mine = this.perms.get(String(user)) ?? new Set<string>();
    if (mine.has(String(perm))) fail(`user ${String(user)} already has permission: ${String(perm)}`);
    this.perms.set(String(user), mine.add(String(perm)));
  }
  call_revokePermission([user, perm]: unknown[]) {
    if (!this.perms.get(String(user))?.delete(String(perm))) fail(`user ${String(user)} does not have permission: ${String(perm)}`);
  }
  call_addChannel([name]: unknown[], kw: Json) {
    if (this.channels.has(String(name))) fail(`channel ${String(name)} already exists`);
    this.channels.set(String(name), { id: this.id(), description: (kw.description as string | undefined) ?? null, enabled: true });
  }
  call_editChannel([name]: unknown[], kw: Json) {
    (this.channels.get(String(name)) ?? fail(`No such channel: ${String(name)}`)).description = kw.description as string | null;
  }
  call_enableChannel([name]: unknown[]) {
    (this.channels.get(String(name)) ?? fail(`No such channel: ${String(name)}`)).enabled = true;
  }
  call_disableChannel([name]: unknown[]) {
    (this.channels.get(String(name)) ?? fail(`No such channel: ${String(name)}`)).enabled = false;
  }
  call_grantCGAccess([user, cg]: unknown[], kw: Json) {
    this.user(user);
    if (!this.cgs.has(String(cg))) (kw.create ? this.cgs.set(String(cg), new Set()) : fail(`No such content generator: ${String(cg)}`));
    const users = this.cgs.get(String(cg))!;
    if (users.has(String(user))) fail(`User already has access to content generator ${String(cg)}`);
    users.add(String(user));
  }
  call_revokeCGAccess([user, cg]: unknown[]) {
    this.cgs.get(String(cg))?.delete(String(user));
  }
  call_addBType([name]: unknown[]) {
    if (this.btypes.has(String(name))) fail("btype already exists");
    this.btypes.add(String(name));
  }
}

/** The users and channels fleet.yaml's defaults name (admin, kojira; the builders' channels). */
export const KNOWN = { users: ["kojiadmin", "kojira"], channels: ["default", "createrepo"] };

export interface Step {
  readonly plan: ContentPlan;
  /** Every line the plan prints. */
  readonly lines: string[];
  /** The inventory once the calls succeeded. */
  readonly owned: Set<string>;
  /** The plan against the hub after the calls: must hold no call. */
  readonly again: ContentPlan;
}

/** Plans `content` against the hub, applies the calls, and plans again (the round trip). */
export function step(hub: ContentHub, content: KojiContent, owned: ReadonlySet<string> = new Set()): Step {
  const desired = desiredContentOf(content, KNOWN);
  const plan = planContent(desired, hub.observe(), owned);
  hub.apply(plan.calls);
  const after = ownedAfter(owned, plan.calls);
  return { plan, lines: planLines(plan), owned: after, again: planContent(desired, hub.observe(), after) };
}

/** A hub converged to `content` by koji-fleet (so everything in it is owned). */
export function convergedHub(content: KojiContent): { hub: ContentHub; owned: Set<string> } {
  const hub = new ContentHub();
  const { owned, again } = step(hub, content);
  if (again.calls.length > 0) throw new Error(`not converged: ${planLines(again).join("; ")}`);
  return { hub, owned };
}
