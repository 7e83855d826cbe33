// A hub as koji-fleet would leave it, for `koji-fleet plan` without a hub: the ObservedContent
// of a hub that holds exactly a revision's declared content (ids made up), and the inventory
// saying koji-fleet created all of it. Planning another revision against it gives the Koji lines
// between the two: a tag git dropped is deleted (`- tag … (no longer declared)`), as it would be.
// Groups and package lists are read through inheritance, as Koji reads them (parents by
// priority, depth first, each ancestor once, maxdepth, intransitive links, pkg_filter), so an
// entry a child newly declares that its parent already provides plans nothing, as on the hub.
// What Koji holds before anything is declared stands in too: its own channels, btypes and
// permissions, the admin user with `admin`, kojira's user with `repo`.
import { BUILTIN_PERMISSIONS } from "../../config/koji-content-checks.js";
import { keys } from "./calls.js";
import type { DesiredContent, DesiredTag } from "./desired.js";
import type { KojiTagGroup, KojiTagPackage, ObservedContent, ObservedTagDetail } from "./observed.js";
import { BUILTIN_BTYPES, BUILTIN_CHANNELS } from "./plan-misc.js";

const OPTIONS = ["blocked", "display_name", "description", "is_default", "uservisible", "exported", "langonly", "biarchonly"] as const;
const present = <T extends { readonly state: string }>(xs: readonly T[]): T[] => xs.filter((x) => x.state === "present");

/** The hub before anything is declared: what a fresh farm's plan is made against. */
export function freshHub(known: DesiredContent["known"]): ObservedContent {
  return asDeclared({ known, externalRepos: [], tags: [], targets: [], users: [], channels: [], contentGenerators: [], btypes: [] }).observed;
}

export function asDeclared(desired: DesiredContent): { observed: ObservedContent; owned: Set<string> } {
  let next = 1;
  const owned = new Set<string>();
  const own = (...ks: string[]) => ks.forEach((k) => owned.add(k));
  const tags = present(desired.tags);
  const tagIds = new Map(tags.map((t) => [t.name, next++]));
  const userIds = new Map<string, number>();
  const repos = present(desired.externalRepos).map((r) => ({ id: next++, name: r.name, url: r.url }));
  const perms = new Set(BUILTIN_PERMISSIONS);
  const permIds = () => new Map([...perms].map((p, i) => [p, i + 1]));

  // desiredContent names the admin user first and kojira's second: the database role gives the first `admin`, koji-fleet's objects the second `repo`.
  const userPerms: Record<string, string[]> = {};
  const users = desired.known.users.map((name) => ({ id: next++, name, status: 0, usertype: 0, krb_principals: [] as string[] }));
  desired.known.users.forEach((u, i) => (userPerms[u] = [["admin"], ["repo"]][i] ?? []));
  for (const u of desired.users) {
    own(keys.user(u.name));
    if (!users.some((x) => x.name === u.name)) users.push({ id: next++, name: u.name, status: u.state === "present" ? 0 : 1, usertype: 0, krb_principals: [] });
    if (u.state === "absent") continue;
    const granted = present(u.permissions).map((p) => p.name);
    granted.forEach((p) => (perms.add(p), own(keys.permission(u.name, p))));
    userPerms[u.name] = [...new Set([...(userPerms[u.name] ?? []), ...granted])].sort();
  }
  users.forEach((u) => userIds.set(u.name, u.id));

  repos.forEach((r) => own(keys.externalRepo(r.name)));
  const detail = (t: DesiredTag): ObservedTagDetail => {
    const id = tagIds.get(t.name)!;
    own(keys.tag(t.name));
    const inheritance = present(t.inheritance)
      .filter((l) => tagIds.has(l.name))
      .sort((a, b) => a.priority - b.priority)
      .map((l) => (own(keys.parent(t.name, l.name)), { parent_id: tagIds.get(l.name)!, name: l.name, priority: l.priority, maxdepth: l.maxdepth, intransitive: l.intransitive, noconfig: l.noconfig, pkg_filter: l.pkg_filter, child_id: id }));
    const external_repos = present(t.external_repos)
      .flatMap((l) => repos.filter((r) => r.name === l.name).map((r) => ({ l, r })))
      .sort((a, b) => a.l.priority - b.l.priority)
      .map(({ l, r }) => (own(keys.tagRepo(t.name, l.name)), { external_repo_id: r.id, external_repo_name: r.name, priority: l.priority, tag_id: id, tag_name: t.name, url: r.url, merge_mode: l.merge_mode, arches: l.arches }));
    for (const g of present(t.groups)) {
      own(keys.group(t.name, g.name));
      if (!g.blocked) present(g.packages).forEach((p) => own(keys.groupPackage(t.name, g.name, p.name)));
    }
    present(t.packages).forEach((p) => own(keys.package(t.name, p.name)));
    return { tag: { id, name: t.name, perm_id: t.perm === null ? null : (permIds().get(t.perm) ?? null), perm: t.perm, arches: t.arches, locked: t.locked, maven_support: t.maven_support, maven_include_all: t.maven_include_all, extra: t.extra }, inheritance, external_repos, groups: [], packages: [] };
  };
  const tagDetails: Record<string, ObservedTagDetail> = Object.fromEntries(tags.map((t) => [t.name, detail(t)]));
  const byName = new Map(tags.map((t) => [t.name, t]));
  for (const t of tags) {
    const chain = [{ tag: t, filters: [] as string[] }, ...ancestors(t.name, tagDetails).map((a) => ({ tag: byName.get(a.tag)!, filters: a.filters }))];
    tagDetails[t.name] = { ...tagDetails[t.name]!, groups: groupsSeen(chain.map((c) => c.tag), tagIds), packages: packagesSeen(chain, tagIds, userIds) };
  }

  for (const c of present(desired.channels)) own(keys.channel(c.name));
  desired.channels.filter((c) => c.state === "absent").forEach((c) => own(keys.channel(c.name)));
  const channels = [
    ...[...new Set([...BUILTIN_CHANNELS, ...desired.known.channels])].filter((c) => !desired.channels.some((d) => d.name === c)).map((name) => ({ name, description: null, enabled: true })),
    ...desired.channels.map((c) => ({ name: c.name, description: c.description, enabled: c.state === "present" })),
  ].map((c) => ({ id: next++, comment: null, ...c }));

  const contentGenerators: Record<string, { id: number; users: string[] }> = {};
  for (const cg of desired.contentGenerators) {
    const granted = present(cg.users).map((u) => u.name);
    granted.forEach((u) => own(keys.cgUser(cg.name, u)));
    if (granted.length > 0) contentGenerators[cg.name] = { id: next++, users: [...granted].sort() };
  }
  desired.btypes.forEach((b) => own(keys.btype(b)));
  const targets = present(desired.targets)
    .filter((x) => tagIds.has(x.build_tag) && tagIds.has(x.dest_tag))
    .map((x) => (own(keys.target(x.name)), { id: next++, name: x.name, build_tag: tagIds.get(x.build_tag)!, build_tag_name: x.build_tag, dest_tag: tagIds.get(x.dest_tag)!, dest_tag_name: x.dest_tag }));

  return {
    observed: {
      tags: tags.map((t) => {
        const { extra: _extra, ...listed } = tagDetails[t.name]!.tag;
        return listed;
      }),
      tagDetails,
      externalRepos: repos,
      targets,
      users,
      userPerms,
      permissions: [...permIds()].map(([name, id]) => ({ id, name, description: null })),
      channels,
      contentGenerators,
      btypes: [...new Set([...BUILTIN_BTYPES, ...desired.btypes])].map((name, i) => ({ id: i + 1, name })),
    },
    owned,
  };
}

/** kojihub readFullInheritance, simplified: depth first by priority, each ancestor once, maxdepth, intransitive, pkg_filters gathered. */
function ancestors(tag: string, details: Readonly<Record<string, ObservedTagDetail>>): { tag: string; filters: string[] }[] {
  const out: { tag: string; filters: string[] }[] = [];
  const seen = new Set<string>([tag]);
  const walk = (t: string, depth: number, maxdepth: number | null, filters: string[]) => {
    if (maxdepth !== null && depth > maxdepth) return;
    for (const l of details[t]?.inheritance ?? []) {
      if (seen.has(l.name) || (l.intransitive && depth > 0)) continue;
      seen.add(l.name);
      const f = l.pkg_filter ? [...filters, l.pkg_filter] : filters;
      out.push({ tag: l.name, filters: f });
      const limit = l.maxdepth === null ? maxdepth : Math.min(maxdepth ?? Infinity, depth + l.maxdepth);
      walk(l.name, depth + 1, limit, f);
    }
  };
  walk(tag, 0, null, []);
  return out;
}

/**
 * getTagGroups(tag, inherit=True, incl_blocked=True): the nearest tag setting a group wins; a
 * blocked group lists no packages. A tag's group equal to the one it inherits has no entry of its
 * own: Koji ignores that add (_grplist_add: "no point in adding it again").
 */
function groupsSeen(chain: readonly DesiredTag[], tagIds: ReadonlyMap<string, number>): KojiTagGroup[] {
  const out = new Map<string, KojiTagGroup & { packagelist: KojiTagGroup["packagelist"][number][] }>();
  const groupId = (g: string) => [...g].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1_000_000, 7);
  for (const t of [...chain].reverse()) {
    for (const g of present(t.groups)) {
      const { name, blocked, display_name, description, is_default, uservisible, exported, langonly, biarchonly } = g;
      const entry = { name, group_id: groupId(name), tag_id: tagIds.get(t.name)!, blocked, display_name, description, is_default, uservisible, exported, langonly, biarchonly, packagelist: [], grouplist: [] };
      const inherited = out.get(name);
      if (!inherited || OPTIONS.some((o) => inherited[o] !== entry[o])) out.set(name, entry);
    }
  }
  for (const t of chain) {
    for (const g of present(t.groups)) {
      const seen = out.get(g.name)!;
      if (seen.blocked || g.blocked) continue;
      for (const p of present(g.packages)) {
        if (seen.packagelist.some((x) => x.package === p.name)) continue;
        seen.packagelist.push({ group_id: seen.group_id, tag_id: tagIds.get(t.name)!, package: p.name, blocked: p.blocked, type: p.type, basearchonly: p.basearchonly, requires: p.requires });
      }
    }
  }
  return [...out.values()];
}

/** Python's re.match: anchored at the start. A filter JavaScript cannot read lets nothing through. */
function passes(filter: string, name: string): boolean {
  try {
    return new RegExp(`^(?:${filter})`).test(name);
  } catch {
    return false;
  }
}

/** listPackages(tagID=tag, inherited=True): the nearest entry wins; an inherited one must match every pkg_filter on its way. */
function packagesSeen(chain: readonly { tag: DesiredTag; filters: readonly string[] }[], tagIds: ReadonlyMap<string, number>, userIds: ReadonlyMap<string, number>): KojiTagPackage[] {
  const out = new Map<string, KojiTagPackage>();
  for (const { tag, filters } of chain) {
    for (const p of present(tag.packages)) {
      if (out.has(p.name) || !filters.every((f) => passes(f, p.name))) continue;
      out.set(p.name, { package_id: out.size + 1, package_name: p.name, tag_id: tagIds.get(tag.name)!, tag_name: tag.name, extra_arches: p.extra_arches, blocked: p.blocked, owner_id: userIds.get(p.owner) ?? 0, owner_name: p.owner });
    }
  }
  return [...out.values()];
}
