// Adopting a hub: what it holds (ObservedContent, every tag and user read) as the declarations of
// `koji.content`, the inverse of desired.ts. A key is written only where it differs from the
// default desired.ts fills in, so converging the export plans no call, no conflict and reports
// nothing unmanaged (export.test.ts proves it). Each tag lists only what is set on it (an entry's
// `tag_id`), never what it inherits. Left out, and said so in the file's header (leftOut):
// Koji's own channels and btypes (schema.sql), kojira's user (koji-fleet converges it:
// objects.ts), comps group requirements (grouplist) and channel comments, which the content
// schema does not hold. Host users never come: listUsers reads NORMAL users only.
import type { GroupDecl, GroupPackageDecl, KojiContent, TagDecl } from "../../config/koji-content-schema.js";
import { GROUP_DEFAULTS } from "./desired.js";
import type { KojiGroupPackage, KojiTagGroup, KojiTagPackage, ObservedContent, ObservedTagDetail } from "./observed.js";
import { BUILTIN_BTYPES, BUILTIN_CHANNELS } from "./plan-misc.js";

export interface ExportOptions {
  /** kojira's user: converged by koji-fleet's Koji objects, not declared as content. */
  readonly kojiraUser: string;
}

/** What an export leaves out, for its header and the docs. */
export const leftOut = (kojiraUser: string): string[] => [
  "entries a tag inherits (each tag lists what is set on it)",
  `Koji's own channels (${BUILTIN_CHANNELS.join(", ")}) and btypes (${BUILTIN_BTYPES.join(", ")})`,
  "host and group users (listUsers reads NORMAL users: builders are fleet.yaml's hosts)",
  `kojira's user, ${kojiraUser} (koji-fleet converges it and its repo permission)`,
  "comps group requirements and channel comments (not in the content schema)",
];

/** koji.USER_STATUS */
const NORMAL_STATUS = 0;

const byName = <T extends { name: string }>(xs: readonly T[]): T[] => [...xs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
const archList = (a: string | null): string[] => (a ?? "").split(/\s+/).filter(Boolean);
/** The object without its undefined keys: what YAML writes. */
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
const unless = <T>(value: T, dflt: T): T | undefined => (value === dflt ? undefined : value);

function groupOptions(g: KojiTagGroup): Omit<GroupDecl, "name" | "packages"> {
  // Koji keeps NULL where the API was given None; the schema has no null for these, so Koji's default stands.
  return defined({
    display_name: unless(g.display_name, g.name),
    description: unless(g.description, GROUP_DEFAULTS.description),
    is_default: unless(g.is_default, GROUP_DEFAULTS.is_default),
    uservisible: g.uservisible === false ? false : undefined,
    exported: g.exported === false ? false : undefined,
    langonly: unless(g.langonly, GROUP_DEFAULTS.langonly),
    biarchonly: g.biarchonly === true ? true : undefined,
  });
}

function groupPackage(p: KojiGroupPackage): GroupPackageDecl {
  const options = defined({ type: unless(p.type, "mandatory") as "default" | undefined, basearchonly: unless(p.basearchonly, null), requires: unless(p.requires, null), blocked: p.blocked || undefined });
  return Object.keys(options).length === 0 ? p.package : { name: p.package, ...options };
}

/**
 * The tag's own groups, and the inherited ones it adds package entries to: those are declared
 * with the options the tag sees, so the declaration matches what it inherits and costs nothing.
 */
function groups(d: ObservedTagDetail): GroupDecl[] {
  const id = d.tag.id;
  const out: GroupDecl[] = [];
  for (const g of byName(d.groups)) {
    const own = g.packagelist.filter((p) => p.tag_id === id).sort((a, b) => (a.package < b.package ? -1 : 1));
    if (g.tag_id !== id && own.length === 0) continue;
    const packages = g.blocked ? [] : own.map(groupPackage);
    out.push(defined({ name: g.name, ...groupOptions(g), blocked: g.blocked || undefined, packages: packages.length > 0 ? packages : undefined }));
  }
  return out;
}

function packages(d: ObservedTagDetail): NonNullable<TagDecl["packages"]> {
  const own = d.packages.filter((p) => p.tag_id === d.tag.id).sort((a, b) => (a.package_name < b.package_name ? -1 : 1));
  return own.map((p: KojiTagPackage) => {
    const extra = archList(p.extra_arches);
    return defined({ name: p.package_name, owner: p.owner_name, blocked: p.blocked || undefined, extra_arches: extra.length > 0 ? extra : undefined });
  });
}

function tag(d: ObservedTagDetail): TagDecl {
  const t = d.tag;
  const arches = archList(t.arches);
  const nonEmpty = <T>(xs: T[]): T[] | undefined => (xs.length > 0 ? xs : undefined);
  return defined({
    arches: nonEmpty(arches),
    perm: t.perm ?? undefined,
    locked: t.locked || undefined,
    maven_support: t.maven_support || undefined,
    maven_include_all: t.maven_include_all || undefined,
    extra: Object.keys(t.extra).length > 0 ? Object.fromEntries(Object.entries(t.extra).sort(([a], [b]) => (a < b ? -1 : 1))) : undefined,
    inheritance: nonEmpty(
      [...d.inheritance]
        .sort((a, b) => a.priority - b.priority)
        .map((l) => defined({ parent: l.name, priority: l.priority, maxdepth: l.maxdepth ?? undefined, intransitive: l.intransitive || undefined, noconfig: l.noconfig || undefined, pkg_filter: l.pkg_filter || undefined })),
    ),
    external_repos: nonEmpty(
      d.external_repos
        .filter((r) => r.tag_id === t.id)
        .sort((a, b) => a.priority - b.priority)
        .map((r) => {
          const arches = archList(r.arches);
          return defined({ repo: r.external_repo_name, priority: r.priority, merge_mode: unless(r.merge_mode, "koji") as "simple" | "bare" | undefined, arches: arches.length > 0 ? arches : undefined });
        }),
    ),
    groups: nonEmpty(groups(d)),
    packages: nonEmpty(packages(d)),
  });
}

function detailOf(observed: ObservedContent, name: string): ObservedTagDetail {
  const d = observed.tagDetails[name];
  if (!d) throw new Error(`tag ${name} was listed but not read: an export reads every tag (readContent's tags: "all")`);
  return d;
}

/** The hub's content as `koji.content` declarations (names sorted; lists in Koji's order of priority). */
export function exportedContent(observed: ObservedContent, opts: ExportOptions): KojiContent {
  const record = <T>(entries: [string, T][]): Record<string, T> | undefined => (entries.length > 0 ? Object.fromEntries(entries) : undefined);
  const users = byName(observed.users).filter((u) => u.name !== opts.kojiraUser);
  const channels = byName(observed.channels).filter((c) => !BUILTIN_CHANNELS.includes(c.name));
  const cgs = Object.entries(observed.contentGenerators).sort(([a], [b]) => (a < b ? -1 : 1));
  const btypes = observed.btypes.map((b) => b.name).filter((b) => !BUILTIN_BTYPES.includes(b)).sort();
  return defined({
    external_repos: record(byName(observed.externalRepos).map((r) => [r.name, { url: r.url }])),
    tags: record(byName(observed.tags).map((t) => [t.name, tag(detailOf(observed, t.name))])),
    targets: record(byName(observed.targets).map((t) => [t.name, { build_tag: t.build_tag_name, dest_tag: t.dest_tag_name }])),
    users: record(
      users.map((u): [string, NonNullable<KojiContent["users"]>[string]] => {
        if (u.status !== NORMAL_STATUS) return [u.name, { state: "absent" as const }];
        const perms = [...(observed.userPerms[u.name] ?? [])].sort();
        return [u.name, perms.length > 0 ? { permissions: perms } : {}];
      }),
    ),
    channels: record(channels.map((c) => [c.name, c.enabled ? defined({ description: c.description ?? undefined }) : { state: "absent" as const }])),
    content_generators: record(cgs.map(([name, cg]) => [name, { users: [...cg.users].sort() }])),
    btypes: btypes.length > 0 ? btypes : undefined,
  });
}
