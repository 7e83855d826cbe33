// Koji's content as the hub returns it: each type is the exact shape of a Koji 1.35 call's answer
// (kojihub/kojihub.py), and the comment names the call and the arguments the reader must use,
// because the plan relies on them (e.g. inherited entries for groups and packages).

/** getTag(name) (kojihub get_tag). `arches` is space separated; `extra` holds JSON values. */
export interface KojiTagInfo {
  readonly id: number;
  readonly name: string;
  readonly perm_id: number | null;
  readonly perm: string | null;
  readonly arches: string | null;
  readonly locked: boolean;
  readonly maven_support: boolean;
  readonly maven_include_all: boolean;
  readonly extra: Readonly<Record<string, unknown>>;
}

/** listTags() (list_tags): getTag's fields but `extra`. */
export type KojiListedTag = Omit<KojiTagInfo, "extra">;

/** getInheritanceData(tag) (readInheritanceData): the tag's own parents, by priority. */
export interface KojiInheritanceLink {
  readonly parent_id: number;
  /** The parent's name. */
  readonly name: string;
  readonly priority: number;
  readonly maxdepth: number | null;
  readonly intransitive: boolean;
  readonly noconfig: boolean;
  readonly pkg_filter: string;
  readonly child_id: number;
}

/** listExternalRepos() (get_external_repos). Koji keeps `url` with a trailing /. */
export interface KojiExternalRepo {
  readonly id: number;
  readonly name: string;
  readonly url: string;
}

/** getTagExternalRepos(tag_info=tag) (get_tag_external_repos), by priority. */
export interface KojiTagExternalRepo {
  readonly external_repo_id: number;
  readonly external_repo_name: string;
  readonly priority: number;
  readonly tag_id: number;
  readonly tag_name: string;
  readonly url: string;
  readonly merge_mode: string;
  readonly arches: string | null;
}

/** getBuildTargets() (get_build_targets). */
export interface KojiBuildTarget {
  readonly id: number;
  readonly name: string;
  readonly build_tag: number;
  readonly build_tag_name: string;
  readonly dest_tag: number;
  readonly dest_tag_name: string;
}

/** An entry of a group's `packagelist`; `tag_id` is the tag it is set in (this one or an ancestor). */
export interface KojiGroupPackage {
  readonly group_id: number;
  readonly tag_id: number;
  readonly package: string;
  readonly blocked: boolean;
  readonly type: string;
  readonly basearchonly: boolean | null;
  readonly requires: string | null;
}

/** An entry of a group's `grouplist` (comps group requirements; read, not planned). */
export interface KojiGroupReq {
  readonly group_id: number;
  readonly tag_id: number;
  readonly req_id: number;
  readonly blocked: boolean;
  readonly type: string;
  readonly is_metapkg: boolean;
  readonly name: string;
}

/**
 * getTagGroups(tag, inherit=True, incl_blocked=True) (readTagGroups): the groups the tag sees,
 * inherited ones included, blocked ones too; `tag_id` says where each group and entry is set.
 */
export interface KojiTagGroup {
  readonly name: string;
  readonly group_id: number;
  readonly tag_id: number;
  readonly blocked: boolean;
  readonly exported: boolean | null;
  readonly display_name: string;
  readonly is_default: boolean | null;
  readonly uservisible: boolean | null;
  readonly description: string | null;
  readonly langonly: string | null;
  readonly biarchonly: boolean | null;
  readonly packagelist: readonly KojiGroupPackage[];
  readonly grouplist: readonly KojiGroupReq[];
}

/** listPackages(tagID=tag, inherited=True) (readPackageList): blocked entries included; `tag_id` says where each is set. */
export interface KojiTagPackage {
  readonly package_id: number;
  readonly package_name: string;
  readonly tag_id: number;
  readonly tag_name: string;
  readonly extra_arches: string | null;
  readonly blocked: boolean;
  readonly owner_id: number;
  readonly owner_name: string;
}

/** listUsers() (NORMAL users) and getUser(name). `status` 0 NORMAL, 1 BLOCKED (koji.USER_STATUS). */
export interface KojiUser {
  readonly id: number;
  readonly name: string;
  readonly status: number;
  readonly usertype: number;
  readonly krb_principals: readonly string[];
}

/** getAllPerms(). */
export interface KojiPermission {
  readonly id: number;
  readonly name: string;
  readonly description: string | null;
}

/** listChannels(). */
export interface KojiChannel {
  readonly id: number;
  readonly name: string;
  readonly description: string | null;
  readonly enabled: boolean;
  readonly comment: string | null;
}

/** listCGs(): content generator name → its id and the names of the users allowed to import as it. */
export type KojiContentGenerators = Readonly<Record<string, { readonly id: number; readonly users: readonly string[] }>>;

/** listBTypes() (Koji 1.35 has no getBTypes). */
export interface KojiBType {
  readonly id: number;
  readonly name: string;
}

/** What is inside a tag koji-fleet declares or owns. */
export interface ObservedTagDetail {
  readonly tag: KojiTagInfo;
  readonly inheritance: readonly KojiInheritanceLink[];
  readonly external_repos: readonly KojiTagExternalRepo[];
  readonly groups: readonly KojiTagGroup[];
  readonly packages: readonly KojiTagPackage[];
}

/** One read of the hub's content. */
export interface ObservedContent {
  /** listTags(): every tag. */
  readonly tags: readonly KojiListedTag[];
  /** For every tag of `tags` that is declared (present or absent) or owned. */
  readonly tagDetails: Readonly<Record<string, ObservedTagDetail>>;
  readonly externalRepos: readonly KojiExternalRepo[];
  readonly targets: readonly KojiBuildTarget[];
  readonly users: readonly KojiUser[];
  /** getUserPerms(name, with_groups=False) for every user of `users` that is declared or owned. */
  readonly userPerms: Readonly<Record<string, readonly string[]>>;
  readonly permissions: readonly KojiPermission[];
  readonly channels: readonly KojiChannel[];
  readonly contentGenerators: KojiContentGenerators;
  readonly btypes: readonly KojiBType[];
}

