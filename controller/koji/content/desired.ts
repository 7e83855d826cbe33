// The content fleet.yaml declares, with Koji's defaults filled in and values in the form the hub
// stores them (arches space separated, URLs with a trailing /), so the plan compares like with
// like. Only validated fleets come here (loadFleet: references resolve, names are unique).
import { defaultsApplied } from "../../config/defaults.js";
import type { FleetConfig } from "../../config/fleet-schema.js";
import type { GroupDecl, GroupPackageType, KojiContent, MergeMode, State, TagDecl } from "../../config/koji-content-schema.js";

export interface DesiredLink {
  readonly name: string;
  readonly state: State;
  readonly priority: number;
  readonly maxdepth: number | null;
  readonly intransitive: boolean;
  readonly noconfig: boolean;
  readonly pkg_filter: string;
}

export interface DesiredTagRepo {
  readonly name: string;
  readonly state: State;
  readonly priority: number;
  readonly merge_mode: MergeMode;
  readonly arches: string | null;
}

export interface DesiredGroupPackage {
  readonly name: string;
  readonly state: State;
  readonly blocked: boolean;
  readonly type: GroupPackageType;
  readonly basearchonly: boolean | null;
  readonly requires: string | null;
}

/** The group options Koji keeps (group_config), as groupListAdd sets them for a new group. */
export interface GroupOptions {
  readonly display_name: string;
  readonly description: string | null;
  readonly is_default: boolean | null;
  readonly uservisible: boolean;
  readonly exported: boolean;
  readonly langonly: string | null;
  readonly biarchonly: boolean;
}

export interface DesiredGroup extends GroupOptions {
  readonly name: string;
  readonly state: State;
  readonly blocked: boolean;
  readonly packages: readonly DesiredGroupPackage[];
}

export interface DesiredPackage {
  readonly name: string;
  readonly state: State;
  readonly owner: string;
  readonly blocked: boolean;
  /** Space separated, "" for none (Koji stores none as null or ""). */
  readonly extra_arches: string;
}

/** The tag's own settings, as createTag/editTag2 take them. */
export interface TagSettings {
  readonly arches: string;
  readonly perm: string | null;
  readonly locked: boolean;
  readonly maven_support: boolean;
  readonly maven_include_all: boolean;
  readonly extra: Readonly<Record<string, unknown>>;
}

export interface DesiredTag extends TagSettings {
  readonly name: string;
  readonly state: State;
  readonly inheritance: readonly DesiredLink[];
  readonly external_repos: readonly DesiredTagRepo[];
  readonly groups: readonly DesiredGroup[];
  readonly packages: readonly DesiredPackage[];
}

export interface Named {
  readonly name: string;
  readonly state: State;
}

export interface DesiredContent {
  /** Users and channels fleet.yaml uses elsewhere (admin, kojira; builders' channels): never reported unmanaged. */
  readonly known: { readonly users: readonly string[]; readonly channels: readonly string[] };
  readonly externalRepos: readonly (Named & { readonly url: string })[];
  /** Parents before the tags that inherit from them, then by name. */
  readonly tags: readonly DesiredTag[];
  readonly targets: readonly (Named & { readonly build_tag: string; readonly dest_tag: string })[];
  readonly users: readonly (Named & { readonly permissions: readonly Named[] })[];
  readonly channels: readonly (Named & { readonly description: string | null })[];
  readonly contentGenerators: readonly { readonly name: string; readonly users: readonly Named[] }[];
  readonly btypes: readonly string[];
}

export const TAG_DEFAULTS: TagSettings = { arches: "", perm: null, locked: false, maven_support: false, maven_include_all: false, extra: {} };
/** kojihub _grplist_add's defaults for a group added without options. */
export const GROUP_DEFAULTS: Omit<GroupOptions, "display_name"> = { description: null, is_default: null, uservisible: true, exported: true, langonly: null, biarchonly: false };

const st = (s: State | undefined): State => s ?? "present";
const arches = (a: readonly string[] | undefined): string => (a ?? []).join(" ");
const named = (e: string | { name: string; state?: State }): Named => (typeof e === "string" ? { name: e, state: "present" } : { name: e.name, state: st(e.state) });
const byName = <T extends { name: string }>(xs: T[]): T[] => xs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
const entries = <V>(m: Readonly<Record<string, V>> | undefined): [string, V][] => Object.entries(m ?? {});

/** Koji stores external repo URLs with a trailing slash (create_external_repo). */
export const repoUrl = (url: string): string => (url.endsWith("/") ? url : `${url}/`);

function group(g: GroupDecl): DesiredGroup {
  return {
    name: g.name,
    state: st(g.state),
    blocked: g.blocked ?? false,
    display_name: g.display_name ?? g.name,
    description: g.description ?? GROUP_DEFAULTS.description,
    is_default: g.is_default ?? GROUP_DEFAULTS.is_default,
    uservisible: g.uservisible ?? GROUP_DEFAULTS.uservisible,
    exported: g.exported ?? GROUP_DEFAULTS.exported,
    langonly: g.langonly ?? GROUP_DEFAULTS.langonly,
    biarchonly: g.biarchonly ?? GROUP_DEFAULTS.biarchonly,
    packages: (g.packages ?? []).map((p) =>
      typeof p === "string"
        ? { name: p, state: "present", blocked: false, type: "mandatory", basearchonly: null, requires: null }
        : { name: p.name, state: st(p.state), blocked: p.blocked ?? false, type: p.type ?? "mandatory", basearchonly: p.basearchonly ?? null, requires: p.requires ?? null },
    ),
  };
}

function tag(name: string, t: TagDecl): DesiredTag {
  return {
    name,
    state: st(t.state),
    arches: arches(t.arches),
    perm: t.perm ?? null,
    locked: t.locked ?? false,
    maven_support: t.maven_support ?? false,
    maven_include_all: t.maven_include_all ?? false,
    extra: t.extra ?? {},
    inheritance: (t.inheritance ?? []).map((l) => ({
      name: l.parent,
      state: st(l.state),
      priority: l.priority ?? 0,
      maxdepth: l.maxdepth ?? null,
      intransitive: l.intransitive ?? false,
      noconfig: l.noconfig ?? false,
      pkg_filter: l.pkg_filter ?? "",
    })),
    external_repos: (t.external_repos ?? []).map((r) => ({ name: r.repo, state: st(r.state), priority: r.priority ?? 0, merge_mode: r.merge_mode ?? "koji", arches: r.arches ? arches(r.arches) : null })),
    groups: (t.groups ?? []).map(group),
    packages: (t.packages ?? []).map((p) => ({ name: p.name, state: st(p.state), owner: p.owner ?? "", blocked: p.blocked ?? false, extra_arches: arches(p.extra_arches) })),
  };
}

/** Parents first (depth-first along present links), otherwise by name; validation ruled out cycles. */
function parentsFirst(tags: DesiredTag[]): DesiredTag[] {
  const byTag = new Map(tags.map((t) => [t.name, t]));
  const out: DesiredTag[] = [];
  const seen = new Set<string>();
  const visit = (t: DesiredTag) => {
    if (seen.has(t.name)) return;
    seen.add(t.name);
    for (const l of t.inheritance) {
      const parent = byTag.get(l.name);
      if (parent && l.state === "present") visit(parent);
    }
    out.push(t);
  };
  byName(tags).forEach(visit);
  return out;
}

export function desiredContentOf(content: KojiContent, known: DesiredContent["known"]): DesiredContent {
  return {
    known,
    externalRepos: byName(entries(content.external_repos).map(([name, r]) => ({ name, state: st(r.state), url: repoUrl(r.url ?? "") }))),
    tags: parentsFirst(entries(content.tags).map(([name, t]) => tag(name, t))),
    targets: byName(entries(content.targets).map(([name, t]) => ({ name, state: st(t.state), build_tag: t.build_tag ?? "", dest_tag: t.dest_tag ?? "" }))),
    users: byName(entries(content.users).map(([name, u]) => ({ name, state: st(u.state), permissions: (u.permissions ?? []).map(named) }))),
    channels: byName(entries(content.channels).map(([name, c]) => ({ name, state: st(c.state), description: c.description ?? null }))),
    contentGenerators: byName(entries(content.content_generators).map(([name, c]) => ({ name, users: (c.users ?? []).map(named) }))),
    btypes: [...(content.btypes ?? [])].sort(),
  };
}

/** The desired content of a validated fleet (loadFleet merged the included files into koji.content). */
export function desiredContent(fleet: FleetConfig): DesiredContent {
  const resolved = defaultsApplied(fleet);
  const channels = new Set(resolved.hosts.flatMap((h) => h.builder?.channels ?? []));
  const known = { users: [resolved.koji.adminUser, resolved.koji.kojiraUser], channels: [...channels].sort() };
  const { include: _include, drift: _drift, ...content } = fleet.koji?.content ?? {};
  return desiredContentOf(content, known);
}
