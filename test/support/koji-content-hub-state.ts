// The state of a simulated Koji hub's content (see koji-content-hub.ts, which changes it through
// the planned calls), and how the hub answers the reader: inheritance read as kojihub's
// readFullInheritance, get_tag_groups and readPackageList do, shaped as ObservedContent.
import type { KojiTagGroup, KojiTagPackage, ObservedContent, ObservedTagDetail } from "../../controller/koji/content/observed.js";
import { BUILTIN_PERMISSIONS } from "../../controller/config/koji-content-checks.js";
import { BUILTIN_BTYPES, BUILTIN_CHANNELS } from "../../controller/koji/content/plan-misc.js";

export type Json = Record<string, unknown>;

export interface Tag { id: number; arches: string; perm: string | null; locked: boolean; maven_support: boolean; maven_include_all: boolean; extra: Json }
export interface Link { parent: string; priority: number; maxdepth: number | null; intransitive: boolean; noconfig: boolean; pkg_filter: string }
export interface TagRepo { priority: number; merge_mode: string; arches: string | null }
export interface Group { blocked: boolean; exported: boolean | null; display_name: string; is_default: boolean | null; uservisible: boolean | null; description: string | null; langonly: string | null; biarchonly: boolean | null }
export interface GroupPkg { blocked: boolean; type: string; basearchonly: boolean | null; requires: string | null }
export interface Pkg { owner: string; blocked: boolean; extra_arches: string | null }

export class KojiError extends Error {}
export const fail = (message: string): never => {
  throw new KojiError(message);
};
export const GROUP_FIELDS = ["exported", "display_name", "is_default", "uservisible", "description", "langonly", "biarchonly", "blocked"] as const;

export class HubState {
  protected nextId = 100;
  readonly tags = new Map<string, Tag>();
  readonly links = new Map<string, Link[]>();
  readonly repos = new Map<string, { id: number; url: string }>();
  readonly tagRepos = new Map<string, Map<string, TagRepo>>();
  readonly targets = new Map<string, { id: number; build: string; dest: string }>();
  readonly groups = new Map<string, Map<string, Group>>();
  readonly groupPkgs = new Map<string, Map<string, Map<string, GroupPkg>>>();
  readonly packages = new Map<string, Map<string, Pkg>>();
  readonly users = new Map<string, { id: number; status: number }>();
  readonly perms = new Map<string, Set<string>>();
  readonly allPerms = new Set(BUILTIN_PERMISSIONS);
  readonly channels = new Map(BUILTIN_CHANNELS.map((c, i) => [c, { id: i + 1, description: null as string | null, enabled: true }]));
  readonly cgs = new Map<string, Set<string>>();
  readonly btypes = new Set(BUILTIN_BTYPES);
  protected readonly groupIds = new Map<string, number>();
  /** Every call applied, as `method args`. */
  readonly log: string[] = [];

  constructor(users: string[] = ["kojiadmin", "kojira"]) {
    for (const u of users) this.users.set(u, { id: this.id(), status: 0 });
    this.perms.set("kojiadmin", new Set(["admin"]));
  }

  protected id(): number {
    return this.nextId++;
  }
  protected tag(name: unknown): Tag {
    return this.tags.get(String(name)) ?? fail(`No such tagInfo: '${String(name)}'`);
  }
  protected tagName(idOrName: unknown): string {
    if (typeof idOrName === "number") return [...this.tags].find(([, t]) => t.id === idOrName)?.[0] ?? fail(`No such tagInfo: ${idOrName}`);
    this.tag(idOrName);
    return String(idOrName);
  }
  protected user(name: unknown): void {
    if (!this.users.has(String(name))) fail(`No such user: '${String(name)}'`);
  }
  protected groupId(name: string): number {
    if (!this.groupIds.has(name)) this.groupIds.set(name, this.id());
    return this.groupIds.get(name)!;
  }
  protected sub<K, V>(m: Map<string, Map<K, V>>, tag: string): Map<K, V> {
    if (!m.has(tag)) m.set(tag, new Map());
    return m.get(tag)!;
  }

  // ---- reading, as the reader's calls answer ----

  /** kojihub readFullInheritance, simplified: depth-first by priority, maxdepth, intransitive, cumulative pkg_filter; each ancestor once. */
  protected ancestors(tag: string): Array<{ tag: string; filters: string[] }> {
    const out: Array<{ tag: string; filters: string[] }> = [];
    const seen = new Set<string>();
    const walk = (t: string, top: Set<string>, maxdepth: number | null, filters: string[]) => {
      if (maxdepth !== null && maxdepth < 1) return;
      for (const l of this.links.get(t) ?? []) {
        if (top.has(l.parent) || seen.has(l.parent)) continue;
        if (l.intransitive && top.size > 1) continue;
        const next = l.maxdepth === null ? (maxdepth === null ? null : maxdepth - 1) : maxdepth === null ? l.maxdepth : Math.min(l.maxdepth, maxdepth) - 1;
        const f = l.pkg_filter ? [...filters, l.pkg_filter] : filters;
        seen.add(l.parent);
        out.push({ tag: l.parent, filters: f });
        walk(l.parent, new Set([...top, l.parent]), next, f);
      }
    };
    walk(tag, new Set([tag]), null, []);
    return out;
  }

  protected inheritedGroups(tag: string): Map<string, { tag: string; group: Group; packages: Map<string, { tag: string; entry: GroupPkg }> }> {
    const chain = [tag, ...this.ancestors(tag).map((a) => a.tag)];
    const out = new Map<string, { tag: string; group: Group; packages: Map<string, { tag: string; entry: GroupPkg }> }>();
    for (const t of chain) for (const [g, group] of this.groups.get(t) ?? []) if (!out.has(g)) out.set(g, { tag: t, group, packages: new Map() });
    for (const t of chain) {
      for (const [g, pkgs] of this.groupPkgs.get(t) ?? []) {
        const target = out.get(g);
        if (!target || target.group.blocked) continue;
        for (const [p, entry] of pkgs) if (!target.packages.has(p)) target.packages.set(p, { tag: t, entry });
      }
    }
    return out;
  }

  protected inheritedPackages(tag: string): Map<string, Pkg & { tag: string }> {
    const out = new Map<string, Pkg & { tag: string }>();
    for (const [p, e] of this.packages.get(tag) ?? []) out.set(p, { ...e, tag });
    for (const a of this.ancestors(tag)) {
      for (const [p, e] of this.packages.get(a.tag) ?? []) {
        if (!out.has(p) && a.filters.every((f) => new RegExp(`^(?:${f})`).test(p))) out.set(p, { ...e, tag: a.tag });
      }
    }
    return out;
  }

  private detail(name: string, t: Tag): ObservedTagDetail {
    const id = (n: string) => this.tags.get(n)?.id ?? -1;
    const userId = (n: string) => this.users.get(n)?.id ?? -1;
    const groups: KojiTagGroup[] = [...this.inheritedGroups(name)].map(([g, x]) => ({
      name: g, group_id: this.groupId(g), tag_id: id(x.tag), ...x.group,
      packagelist: [...x.packages].map(([p, e]) => ({ group_id: this.groupId(g), tag_id: id(e.tag), package: p, ...e.entry })),
      grouplist: [],
    }));
    const packages: KojiTagPackage[] = [...this.inheritedPackages(name)].map(([p, e], i) => ({
      package_id: i + 1, package_name: p, tag_id: id(e.tag), tag_name: e.tag, extra_arches: e.extra_arches, blocked: e.blocked, owner_id: userId(e.owner), owner_name: e.owner,
    }));
    return {
      tag: { id: t.id, name, perm_id: t.perm === null ? null : 1, perm: t.perm, arches: t.arches, locked: t.locked, maven_support: t.maven_support, maven_include_all: t.maven_include_all, extra: structuredClone(t.extra) },
      inheritance: (this.links.get(name) ?? []).map((l) => ({ parent_id: id(l.parent), name: l.parent, priority: l.priority, maxdepth: l.maxdepth, intransitive: l.intransitive, noconfig: l.noconfig, pkg_filter: l.pkg_filter, child_id: t.id })),
      external_repos: [...(this.tagRepos.get(name) ?? [])].sort(([, a], [, b]) => a.priority - b.priority).map(([r, l]) => ({ external_repo_id: this.repos.get(r)!.id, external_repo_name: r, priority: l.priority, tag_id: t.id, tag_name: name, url: this.repos.get(r)!.url, merge_mode: l.merge_mode, arches: l.arches })),
      groups,
      packages,
    };
  }

  observe(): ObservedContent {
    const tags = [...this.tags].map(([name, t]) => ({ id: t.id, name, perm_id: t.perm === null ? null : 1, perm: t.perm, arches: t.arches, locked: t.locked, maven_support: t.maven_support, maven_include_all: t.maven_include_all }));
    return {
      tags,
      tagDetails: Object.fromEntries([...this.tags].map(([n, t]) => [n, this.detail(n, t)])),
      externalRepos: [...this.repos].map(([name, r]) => ({ id: r.id, name, url: r.url })),
      targets: [...this.targets].map(([name, x]) => ({ id: x.id, name, build_tag: this.tags.get(x.build)!.id, build_tag_name: x.build, dest_tag: this.tags.get(x.dest)!.id, dest_tag_name: x.dest })),
      users: [...this.users].map(([name, u]) => ({ id: u.id, name, status: u.status, usertype: 0, krb_principals: [] })),
      userPerms: Object.fromEntries([...this.users.keys()].map((u) => [u, [...(this.perms.get(u) ?? [])].sort()])),
      permissions: [...this.allPerms].map((name, i) => ({ id: i + 1, name, description: null })),
      channels: [...this.channels].map(([name, c]) => ({ id: c.id, name, description: c.description, enabled: c.enabled, comment: null })),
      contentGenerators: Object.fromEntries([...this.cgs].filter(([, u]) => u.size > 0).map(([name, u], i) => [name, { id: i + 1, users: [...u].sort() }])),
      btypes: [...this.btypes].map((name, i) => ({ id: i + 1, name })),
    };
  }
}
