// Schema of Koji's content as code: tags, inheritance, external repos, targets, build groups,
// package lists, users and permissions, channels, content generators, btypes. It lives under
// `koji.content` in fleet.yaml and in the files `koji.content.include` names (each a
// KojiContentFile). Keys are Koji's own (snake_case), as the hub API and koji-ansible name them,
// so an admin maps a key to `koji` commands without a dictionary. docs/koji-objects.md
// ("Content") documents every field and what each becomes in the hub.
import { Type, type Static, type TSchema } from "@sinclair/typebox";

/** kojihub RegexNameInternal's default and MaxNameLengthInternal: tags, targets, repos, groups, packages, channels, btypes, CGs, permissions. */
export const KOJI_NAME = "^[A-Za-z0-9/_.+-]{1,256}$";
/** kojihub RegexUserName's default. */
export const KOJI_USER = "^[A-Za-z0-9/_.@-]{1,256}$";
/** koji.parse_arches. */
const ARCH = "^[A-Za-z0-9_-]{1,64}$";
/** Koji's priorities are PostgreSQL INTEGER. */
const MAX_PRIORITY = 2 ** 31 - 1;

export const MERGE_MODES = ["koji", "simple", "bare"] as const;
export type MergeMode = (typeof MERGE_MODES)[number];
export const GROUP_PACKAGE_TYPES = ["mandatory", "default", "optional", "conditional"] as const;
export type GroupPackageType = (typeof GROUP_PACKAGE_TYPES)[number];
export const STATES = ["present", "absent"] as const;
/** What the controller does with drift (an object changed by hand at the revision it converged): fix it, or only say so. */
export const DRIFT_POLICIES = ["repair", "report"] as const;
export type DriftPolicy = (typeof DRIFT_POLICIES)[number];
export type State = (typeof STATES)[number];

const obj = <P extends Record<string, TSchema>>(properties: P, description: string) => Type.Object(properties, { additionalProperties: false, description });
const opt = <T extends TSchema>(schema: T) => Type.Optional(schema);
const name = (description: string) => Type.String({ pattern: KOJI_NAME, description });
const user = (description: string) => Type.String({ pattern: KOJI_USER, description });
const bool = (description: string) => opt(Type.Boolean({ description }));
const priority = (description: string) => opt(Type.Integer({ minimum: 0, maximum: MAX_PRIORITY, description }));
const arches = (description: string) => opt(Type.Array(Type.String({ pattern: ARCH }), { uniqueItems: true, maxItems: 64, description }));
const state = (what: string) =>
  opt(Type.Unsafe<State>({ type: "string", enum: [...STATES], default: "present", description: `present (default) or absent: ${what}` }));
/** Objects keyed by their Koji name. */
const byName = <T extends TSchema>(pattern: string, value: T, description: string) =>
  opt(Type.Record(Type.String({ pattern }), value, { additionalProperties: false, description }));
/** A list entry that is a name alone, or an object naming it with more to say. */
const nameOr = <T extends TSchema>(pattern: string, entry: T) => Type.Union([Type.String({ pattern }), entry]);

const ExternalRepoSchema = obj(
  {
    url: opt(Type.String({ pattern: "^(https?|file)://[^\\s]+$", maxLength: 2048, description: "Repository URL; `$arch` is replaced by each arch (not `$basearch`). Koji stores it with a trailing /, so one is added." })),
    state: state("deleteExternalRepo (it leaves every tag)"),
  },
  "An external repository (koji add-external-repo): createExternalRepo / editExternalRepo / deleteExternalRepo.",
);

const InheritanceSchema = obj(
  {
    parent: name("Parent tag; must be declared."),
    priority: priority("Lower wins; unique among the tag's parents. Required unless absent."),
    maxdepth: opt(Type.Union([Type.Integer({ minimum: 0, maximum: MAX_PRIORITY }), Type.Null()], { description: "How deep inheritance goes through this parent; null (default) unlimited, 0 the parent alone." })),
    intransitive: bool("The link serves this tag only, not its children (default false)."),
    noconfig: bool("Do not inherit the parent's configuration (arches, extra, groups) (default false)."),
    pkg_filter: opt(Type.String({ maxLength: 1024, description: "Regular expression the package names inherited through this link must match (default '': all)." })),
    state: state("the link is removed"),
  },
  "A parent of the tag (koji add-tag-inheritance), set with setInheritanceData.",
);

const TagExternalRepoSchema = obj(
  {
    repo: name("External repository; must be declared under external_repos."),
    priority: priority("Lower wins; unique among the tag's external repos. Required unless absent."),
    merge_mode: opt(Type.Unsafe<MergeMode>({ type: "string", enum: [...MERGE_MODES], default: "koji", description: "How the tag's repo merges it (mergerepos_c): koji (default; --koji: packages of one SRPM per name, the first repo providing a name wins), bare (--pkgorigins --all: every version of a name, the first identical NEVRA wins), simple (--mode simple: everything, identical NEVRAs too)." })),
    arches: arches("Arches this repo serves in the tag; default all of the tag's."),
    state: state("removeExternalRepoFromTag"),
  },
  "An external repository of the tag (koji add-external-repo --tag).",
);

const GroupPackageSchema = nameOr(
  KOJI_NAME,
  obj(
    {
      name: name("Package (an RPM name, Provides allowed)."),
      type: opt(Type.Unsafe<GroupPackageType>({ type: "string", enum: [...GROUP_PACKAGE_TYPES], default: "mandatory", description: "comps package type (default mandatory)." })),
      basearchonly: opt(Type.Union([Type.Boolean(), Type.Null()], { description: "comps basearchonly (default null)." })),
      requires: opt(Type.Union([Type.String({ maxLength: 1024 }), Type.Null()], { description: "comps requires, for type conditional (default null)." })),
      blocked: bool("Block the package in this group (hides an inherited entry) (default false)."),
      state: state("groupPackageListRemove (this tag's entry only)"),
    },
    "A package of the group with options.",
  ),
);

const GroupSchema = obj(
  {
    name: name("Group name, e.g. build or srpm-build."),
    display_name: opt(Type.String({ maxLength: 1024, description: "comps name (default the group name)." })),
    description: opt(Type.Union([Type.String({ maxLength: 4096 }), Type.Null()], { description: "comps description (default null)." })),
    is_default: opt(Type.Union([Type.Boolean(), Type.Null()], { description: "comps default (default null)." })),
    uservisible: opt(Type.Boolean({ description: "comps uservisible (default true)." })),
    exported: opt(Type.Boolean({ description: "Exported to the repo's comps (default true)." })),
    langonly: opt(Type.Union([Type.String({ maxLength: 256 }), Type.Null()], { description: "comps langonly (default null)." })),
    biarchonly: opt(Type.Boolean({ description: "comps biarchonly (default false)." })),
    blocked: bool("Block the group in this tag (hides an inherited one); a blocked group lists no packages (default false)."),
    packages: opt(Type.Array(GroupPackageSchema, { maxItems: 10_000, description: "Packages of the group: a name, or an object with options, blocked or state." })),
    state: state("groupListRemove (this tag's entry only)"),
  },
  "A build group of the tag (koji add-group): build for build buildroots, srpm-build for SRPM buildroots.",
);

const TagPackageSchema = obj(
  {
    name: name("Package name."),
    owner: opt(user("Owner; a declared user, koji.adminUser or koji.kojiraUser. Required unless absent.")),
    blocked: bool("Block the package in this tag (default false)."),
    extra_arches: arches("Arches built besides the tag's (e.g. noarch-only hacks), default none."),
    state: state("packageListRemove (this tag's entry only)"),
  },
  "An entry of the tag's package list (koji add-pkg / block-pkg).",
);

const TagSchema = obj(
  {
    arches: arches("Arches built for this tag, in order (the first arch builds the SRPM). Default none."),
    perm: opt(Type.Union([Type.String({ pattern: KOJI_NAME }), Type.Null()], { description: "Permission required to tag builds into it (default null: none)." })),
    locked: bool("Locked: nothing is tagged in or out (default false)."),
    maven_support: bool("Generate Maven repos (default false; needs the hub's EnableMaven)."),
    maven_include_all: bool("Every build in the Maven repo, not only the latest (default false)."),
    extra: opt(Type.Record(Type.String({ minLength: 1, maxLength: 256 }), Type.Unknown(), { description: "Extra settings (koji edit-tag -x), e.g. mock.package_manager: dnf. Keys not listed are removed." })),
    inheritance: opt(Type.Array(InheritanceSchema, { maxItems: 1000, description: "Parents, each with a unique priority." })),
    external_repos: opt(Type.Array(TagExternalRepoSchema, { maxItems: 1000, description: "External repositories merged into the tag's repo." })),
    groups: opt(Type.Array(GroupSchema, { maxItems: 1000, description: "Build groups; names unique." })),
    packages: opt(Type.Array(TagPackageSchema, { maxItems: 100_000, description: "Package list; names unique." })),
    state: state("deleteTag"),
  },
  "A tag (koji add-tag / edit-tag).",
);

const TargetSchema = obj(
  {
    build_tag: opt(name("Tag whose repo is the buildroot; must be declared. Required unless absent.")),
    dest_tag: opt(name("Tag finished builds land in; must be declared. Required unless absent.")),
    state: state("deleteBuildTarget"),
  },
  "A build target (koji add-target).",
);

const PermissionSchema = nameOr(KOJI_NAME, obj({ name: name("Permission."), state: state("revokePermission") }, "A permission with its state."));

const UserSchema = obj(
  {
    permissions: opt(Type.Array(PermissionSchema, { maxItems: 256, description: "Permissions granted (admin, build, repo, tag, target, …; a new name is created)." })),
    state: state("disableUser: Koji cannot delete a user"),
  },
  "A Koji user (koji add-user); with client certificates its name is the certificate's CN.",
);

const ChannelSchema = obj(
  {
    description: opt(Type.Union([Type.String({ maxLength: 4096 }), Type.Null()], { description: "Channel description (default null)." })),
    state: state("disableChannel: Koji cannot delete a channel"),
  },
  "A builder channel (koji add-channel); builders join channels through koji.builders.",
);

const CgUserSchema = nameOr(KOJI_USER, obj({ name: user("User."), state: state("revokeCGAccess") }, "A user with its state."));

const ContentGeneratorSchema = obj(
  { users: opt(Type.Array(CgUserSchema, { maxItems: 256, description: "Users allowed to import as this content generator; declared users, koji.adminUser or koji.kojiraUser." })) },
  "A content generator (koji grant-cg-access); Koji cannot delete one.",
);

/** The content keys, shared by fleet.yaml's koji.content and the included files. */
const contentProperties = {
  external_repos: byName(KOJI_NAME, ExternalRepoSchema, "External repositories by name."),
  tags: byName(KOJI_NAME, TagSchema, "Tags by name."),
  targets: byName(KOJI_NAME, TargetSchema, "Build targets by name."),
  users: byName(KOJI_USER, UserSchema, "Users by name, with their permissions."),
  channels: byName(KOJI_NAME, ChannelSchema, "Builder channels by name."),
  content_generators: byName(KOJI_NAME, ContentGeneratorSchema, "Content generators by name."),
  btypes: opt(Type.Array(name("Build type."), { uniqueItems: true, maxItems: 256, description: "Build types added (koji add-btype); Koji cannot delete one." })),
};

/** A glob relative to fleet.yaml's directory, `*` and `?` in the file name only; no `.`/`..` segments, no absolute paths. */
export const INCLUDE_PATTERN = "^(?!.*(^|/)\\.\\.?(/|$))([A-Za-z0-9_.+-]+/)*[A-Za-z0-9_.*?+-]+\\.ya?ml$";

export const KojiContentSchema = obj(
  {
    include: opt(Type.Array(Type.String({ pattern: INCLUDE_PATTERN, maxLength: 1024 }), { uniqueItems: true, maxItems: 64, description: "Files holding more content (same keys as here), as globs relative to fleet.yaml, e.g. koji/*.yaml. Each must match a file." })),
    drift: opt(Type.Unsafe<DriftPolicy>({ type: "string", enum: [...DRIFT_POLICIES], default: "repair", description: "repair (default): a periodic pass that finds an object changed by hand changes it back, with a koji-drift event; report: the event only, nothing changed." })),
    ...contentProperties,
  },
  "Koji's content (tags, targets, groups, packages, users, …) the controller converges through the hub's API. docs/koji-objects.md has every field.",
);

/** An included file: the content keys at top level. */
export const KojiContentFileSchema = Type.Object(contentProperties, {
  additionalProperties: false,
  title: "koji-fleet Koji content",
  description: "Koji content included from fleet.yaml's koji.content.include. docs/koji-objects.md has every field.",
});

export type KojiContent = Static<typeof KojiContentFileSchema>;
export type KojiContentInFleet = Static<typeof KojiContentSchema>;
export type TagDecl = Static<typeof TagSchema>;
export type GroupDecl = Static<typeof GroupSchema>;
export type GroupPackageDecl = Static<typeof GroupPackageSchema>;
export type PermissionDecl = Static<typeof PermissionSchema>;
export type CgUserDecl = Static<typeof CgUserSchema>;
/** The content keys, in the order they appear in files (also the order of cross-file merging). */
export const CONTENT_KEYS = Object.keys(contentProperties) as Array<keyof KojiContent>;
