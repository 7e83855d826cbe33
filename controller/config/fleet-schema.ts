// Schema of gitops/fleet.yaml: the one file that says what the Koji farm looks like.
// Every object is closed (additionalProperties: false) so a typo is an error, not a silent default.
// Defaults live in KOJI_DEFAULTS and FLEET_DEFAULTS only: the schema shows them to editors, defaults.ts applies them.
import { type TOptional, type TArray, Type, type Static, type TSchema } from "@sinclair/typebox";
import { HOST_NAME_PATTERN } from "../../shared/names.js";
import { KojiContentSchema } from "./koji-content-schema.js";

export const API_VERSION = "koji-fleet/v1" as const;

/** Koji components a host can run. Order here is the order roles appear in catalogs. */
export const ROLES = ["hub", "web", "kojira", "database", "nfs", "builder", "lookaside"] as const;
export type Role = (typeof ROLES)[number];

/** How hosts find each other's FQDNs: koji-fleet's block in every /etc/hosts, or the site's DNS. */
export const NAME_RESOLUTIONS = ["hosts", "dns"] as const;
export type NameResolution = (typeof NAME_RESOLUTIONS)[number];

/** What kojid runs in the SRPM buildroot before rpmbuild: koji-fleet's lookaside fetch, Koji's `make sources`, or nothing. */
export const SCM_SOURCES = ["lookaside", "make", "none"] as const;
export type ScmSources = (typeof SCM_SOURCES)[number];

/** Hosts one controller serves (docs/scaling.md): its publish path, RSS and status path are measured there (bench `controller-10000`). */
export const MAX_HOSTS = 10_000;

export const FLEET_DEFAULTS = { nameResolution: "hosts" } as const satisfies { nameResolution: NameResolution };

export const KOJI_DEFAULTS = {
  version: "1.35",
  topdir: "/mnt/koji",
  adminUser: "kojiadmin",
  kojiraUser: "kojira",
  certificateDays: 365,
  hub: { maxConnectionsPerChild: 100, maxRequestWorkers: 75, disableNotifications: true, checkClientIP: false, loginCreatesUser: true },
  web: { loginTimeoutHours: 72, secret: "kojiweb-session-secret" },
  kojira: { checkExternalRepos: true, maxDeleteProcesses: 4 },
  builders: {
    maxjobs: 10,
    minspace: 8192,
    workdir: "/var/tmp/koji",
    allowedScms: [] as string[],
    scms: [] as { host: string; path: string; useCommon?: boolean; sources?: ScmSources }[],
    arches: ["x86_64"],
    capacity: 2.0,
    channels: ["default", "createrepo"],
  },
  database: { name: "koji", user: "koji", port: 5432, passwordSecret: "koji-db-password" },
  nfs: { exportOptions: ["sync", "no_subtree_check"] },
  lookaside: { dir: "/srv/cache/lookaside/pkgs", limitRequestBody: 10_737_418_240 },
} as const;

const DNS_LABEL = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
/** Absolute, no whitespace, no trailing slash, no `.`/`..` segments: paths are compared as strings.
 *  Every string with this pattern is a directory the agents manage: cross-checks apply the path policy to it. */
export const ABS_PATH = "^(/(?!\\.{1,2}(/|$))[A-Za-z0-9_.+@-]+)+$";
/** Koji user names (CN of a client cert); a subset of hub RegexUserName `^[A-Za-z0-9/_.@-]+$`. */
const USER_NAME = "^[A-Za-z0-9_.@-]{1,64}$";
/** A secret's name on the agent (a file name in its secrets directory). */
const SECRET_NAME = "^[a-z0-9][a-z0-9-]{0,62}$";

const obj = <P extends Record<string, TSchema>>(properties: P, description: string) =>
  Type.Object(properties, { additionalProperties: false, description });
const opt = <T extends TSchema>(schema: T) => Type.Optional(schema);
const path = (description: string, def?: string) =>
  Type.String({ pattern: ABS_PATH, maxLength: 1024, description: `${description} Never / or inside a system directory (/etc, /usr, /root, …).`, default: def });
/** A set of strings (unique items) each matching `pattern`. */
const strings = (pattern: string, description: string, def?: readonly string[], minItems = 0) =>
  Type.Array(Type.String({ pattern, maxLength: 1024 }), { uniqueItems: true, minItems, maxItems: 64, description, default: def });

export const RoleSchema = Type.Unsafe<Role>({ type: "string", enum: [...ROLES], description: "A Koji component this host runs." });

const d = KOJI_DEFAULTS;

const HubSchema = obj(
  {
    maxConnectionsPerChild: opt(Type.Integer({ minimum: 0, maximum: 100_000, default: d.hub.maxConnectionsPerChild, description: "httpd MaxConnectionsPerChild on hub and web hosts: hub processes grow, recycle them (0 = never)." })),
    maxRequestWorkers: opt(Type.Integer({ minimum: 1, maximum: 10_000, default: d.hub.maxRequestWorkers, description: "httpd worker threads on each hub host (rounded up to whole children of 25). kojihub keeps one database connection per thread: the database's max_connections is sized from it." })),
    disableNotifications: opt(Type.Boolean({ default: d.hub.disableNotifications, description: "hub.conf DisableNotifications: no e-mail notification tasks (no SMTP in the farm)." })),
    checkClientIP: opt(Type.Boolean({ default: d.hub.checkClientIP, description: "hub.conf CheckClientIP: bind sessions to the client address (off behind NAT/proxies)." })),
    loginCreatesUser: opt(Type.Boolean({ default: d.hub.loginCreatesUser, description: "hub.conf LoginCreatesUser: a valid certificate of an unknown CN creates a normal user." })),
    emailDomain: opt(Type.String({ pattern: `^${DNS_LABEL}(\\.${DNS_LABEL})*$`, description: "hub.conf EmailDomain; defaults to fleet.domain." })),
    policy: opt(
      Type.Record(
        Type.String({ pattern: "^[a-z][a-z0-9_]*$" }),
        // A block of rules as hub.conf holds them (YAML `|`): a list of plain scalars would not do,
        // since YAML reads `has_perm admin :: allow` as a mapping.
        Type.String({ pattern: "^([ \\t]*[^\\s%][^\\n\\r%]*::[^\\n\\r%]*\\n?)+$", maxLength: 16_384 }),
        {
          additionalProperties: false,
          description:
            "hub.conf [policy]: policy name (build_from_scm, build_from_srpm, tag, package_list, channel, …) → its rules as a block (`|`), one `test [&& test] :: action` per line, first match wins. A policy not listed keeps Koji's default (only admin may build from SCM or SRPM).",
        },
      ),
    ),
  },
  "Settings of the Koji hub (/etc/koji-hub/hub.conf).",
);

const WebSchema = obj(
  {
    siteName: opt(Type.String({ minLength: 1, maxLength: 100, pattern: "^[^\\n\\r%]*$", description: "web.conf SiteName shown in the page title; defaults to fleet.name." })),
    loginTimeoutHours: opt(Type.Integer({ minimum: 1, maximum: 8760, default: d.web.loginTimeoutHours, description: "web.conf LoginTimeout (hours)." })),
    secret: opt(Type.String({ pattern: SECRET_NAME, default: d.web.secret, description: "Name of the secret holding web.conf Secret (the session cookie key; never in git)." })),
  },
  "Settings of kojiweb (/etc/kojiweb/web.conf).",
);

const KojiraSchema = obj(
  {
    checkExternalRepos: opt(Type.Boolean({ default: d.kojira.checkExternalRepos, description: "kojira.conf check_external_repos: regenerate repos when external repos change (needs the database in UTC, which koji-fleet sets)." })),
    maxDeleteProcesses: opt(Type.Integer({ minimum: 1, maximum: 64, default: d.kojira.maxDeleteProcesses, description: "kojira.conf max_delete_processes." })),
  },
  "Settings of kojira (/etc/kojira/kojira.conf).",
);

/** An SCM builds may come from; kojid's allowed_scms entry and its source command are derived from it. */
const ScmSchema = obj(
  {
    host: Type.String({ pattern: "^[^\\s:%!]{1,253}$", description: "Host of the SCM URL (a glob), e.g. git.example.org." }),
    path: Type.String({ pattern: "^/[^\\s:%]{0,1023}$", description: "Repository path on that host (a glob), e.g. /rpms/*." }),
    useCommon: opt(Type.Boolean({ default: false, description: "Also check out a common/ repository beside it (dist-git's old Makefile layout)." })),
    sources: opt(Type.Unsafe<ScmSources>({ type: "string", enum: [...SCM_SOURCES], default: "lookaside", description: "The source command: `lookaside` fetches the `sources` file's tarballs from the farm's lookaside host (koji-fleet-sources, hash verified, farm CA); `make` is Koji's default `make sources`; `none` runs nothing." })),
  },
  "One SCM kojid may build from: host and path globs as in kojid.conf allowed_scms.",
);

/** Builder keys; `withDefaults` is false for per-host overrides, whose default is koji.builders. */
const builderProps = (withDefaults: boolean) => {
  const b = withDefaults ? d.builders : undefined;
  return {
    maxjobs: opt(Type.Integer({ minimum: 1, maximum: 1000, default: b?.maxjobs, description: "kojid.conf maxjobs: concurrent tasks on this builder." })),
    minspace: opt(Type.Integer({ minimum: 0, maximum: 100_000_000, default: b?.minspace, description: "kojid.conf minspace: MB free in /var/lib/mock below which kojid takes no task." })),
    workdir: opt(path("kojid.conf workdir: scratch space for tasks; must be outside koji.topdir.", b?.workdir)),
    allowedScms: opt(strings("^!?[^\\s:%]+:[^\\s:%]+(:[^\\s:%]*(:[^\\s%]*)?)?$", "kojid.conf allowed_scms entries: host:path[:use_common[:source_cmd]] (commas for spaces in source_cmd).", b?.allowedScms)),
    scms: opt(Type.Array(ScmSchema, { maxItems: 64, default: b?.scms, description: "SCMs builds come from, rendered after allowedScms into kojid.conf allowed_scms with the source command their `sources` says (default: from the lookaside)." })),
    arches: opt(strings("^[a-z0-9_]{1,32}$", "Arches the hub assigns to the builder (koji add-host/edit-host).", b?.arches, 1)),
    capacity: opt(Type.Number({ exclusiveMinimum: 1, maximum: 1000, default: b?.capacity, description: "Hub-side task load capacity of the builder (koji edit-host --capacity)." })),
    channels: opt(strings("^[a-z0-9][a-z0-9_-]{0,63}$", "Hub channels of the builder; at least one builder must be in createrepo.", b?.channels, 1)),
  };
};

const DatabaseSchema = obj(
  {
    name: opt(Type.String({ pattern: "^[a-z_][a-z0-9_]{0,62}$", default: d.database.name, description: "PostgreSQL database (hub.conf DBName)." })),
    user: opt(Type.String({ pattern: "^[a-z_][a-z0-9_]{0,62}$", default: d.database.user, description: "PostgreSQL role the hub logs in as (hub.conf DBUser)." })),
    port: opt(Type.Integer({ minimum: 1, maximum: 65535, default: d.database.port, description: "PostgreSQL port (hub.conf DBPort, postgresql.conf port)." })),
    passwordSecret: opt(Type.String({ pattern: SECRET_NAME, default: d.database.passwordSecret, description: "Name of the secret holding the koji role's password (never in git)." })),
  },
  "The Koji PostgreSQL database.",
);

const NfsSchema = obj(
  {
    exportOptions: opt(strings("^[a-z_]+(=[A-Za-z0-9_.:/-]+)?$", "exports(5) options for every client; rw/ro and root squashing are derived from each client's roles.", d.nfs.exportOptions)),
  },
  "The NFS export of koji.topdir.",
);

const LookasideSchema = obj(
  {
    dir: opt(path("Directory the source tarballs live in, served at /repo/pkgs.", d.lookaside.dir)),
    limitRequestBody: opt(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: d.lookaside.limitRequestBody, description: "httpd LimitRequestBody for /repo/pkgs in bytes (httpd >= 2.4.54 defaults to 1 GiB)." })),
  },
  "The lookaside cache of source tarballs.",
);

export const BuilderSettingsSchema = obj(builderProps(true), "Defaults of every builder (/etc/kojid/kojid.conf and hub host settings).");
export const HostSettingsSchema = obj(builderProps(false), "Per-host overrides of koji.builders; only for hosts with role builder.");

export const KojiSchema = obj(
  {
    version: opt(Type.String({ pattern: "^1\\.(3[5-9]|[4-9][0-9])(\\.[0-9]+)?$", default: d.version, description: "Koji version (1.35 or newer: generated configs use the 1.35 repo-generation split)." })),
    topdir: opt(path("Koji's top directory (hub KojiDir, kojid/kojira topdir), exported by the nfs host.", d.topdir)),
    adminUser: opt(Type.String({ pattern: USER_NAME, default: d.adminUser, description: "Bootstrap admin user (CN of the admin certificate)." })),
    kojiraUser: opt(Type.String({ pattern: USER_NAME, default: d.kojiraUser, description: "User kojira logs in as (CN of its certificate; hub RepoQueueUser)." })),
    certificateDays: opt(Type.Integer({ minimum: 1, maximum: 3650, default: d.certificateDays, description: "Lifetime of every certificate the fleet CA issues for the farm (renewed at 2/3 of it)." })),
    hub: opt(HubSchema),
    web: opt(WebSchema),
    kojira: opt(KojiraSchema),
    builders: opt(BuilderSettingsSchema),
    database: opt(DatabaseSchema),
    nfs: opt(NfsSchema),
    lookaside: opt(LookasideSchema),
    content: opt(KojiContentSchema),
  },
  "Farm-wide Koji settings; every key has a default.",
);

export const HostSchema = obj(
  {
    name: Type.String({ pattern: HOST_NAME_PATTERN, description: "Short host name (a DNS label); the FQDN is <name>.<fleet.domain>." }),
    address: Type.String({ pattern: "^[0-9A-Fa-f.:]{2,45}$", description: "IPv4 or IPv6 address, used in pg_hba.conf and NFS export client lists." }),
    roles: Type.Array(RoleSchema, { minItems: 1, uniqueItems: true, description: "Koji components on this host." }),
    settings: opt(HostSettingsSchema),
  },
  "One machine of the farm.",
);

export const FleetSchema = Type.Object(
  {
    // An enum, not a const, so the error names the expected value.
    apiVersion: Type.Unsafe<typeof API_VERSION>({ type: "string", enum: [API_VERSION], description: "Format version of this file." }),
    fleet: obj(
      {
        name: Type.String({ pattern: `^${DNS_LABEL}$`, description: "Farm name: koji client profile, certificate O=, file names." }),
        domain: Type.String({ pattern: `^${DNS_LABEL}(\\.${DNS_LABEL})*$`, maxLength: 190, description: "DNS domain of the hosts." }),
        nameResolution: opt(
          Type.Unsafe<NameResolution>({
            type: "string",
            enum: [...NAME_RESOLUTIONS],
            default: FLEET_DEFAULTS.nameResolution,
            description: "How hosts resolve each other's <name>.<domain>: hosts = every host's /etc/hosts gets a koji-fleet block with its own FQDN and short name and those of the hosts it connects to; dns = the site's DNS answers for them and koji-fleet leaves /etc/hosts alone.",
          }),
        ),
      },
      "Identity of the farm, and how its hosts find each other.",
    ),
    koji: opt(KojiSchema),
    rollout: opt(
      obj(
        {
          maxUnavailable: opt(Type.Integer({ minimum: 1, maximum: 1000, description: "Builders serving builds that may take a new catalog at once (a batch). Default 1. A new builder (one that never applied a catalog) takes its first one at once and does not count." })),
          dependencies: opt(
            Type.Object(Object.fromEntries(ROLES.map((r) => [r, opt(Type.Array(RoleSchema, { uniqueItems: true }))])) as Record<Role, TOptional<TArray<typeof RoleSchema>>>, {
              additionalProperties: false,
              description: "Roles whose hosts must be Ready at a new revision before hosts with this role get theirs. Replaces the default for the roles given; a cycle is an error.",
            }),
          ),
        },
        "How new revisions roll out across hosts.",
      ),
    ),
    hosts: Type.Array(HostSchema, { minItems: 1, maxItems: MAX_HOSTS, description: "Every machine of the farm." }),
  },
  { additionalProperties: false, title: "koji-fleet fleet.yaml", description: "Desired state of a Koji build farm." },
);

export type FleetConfig = Static<typeof FleetSchema>;
export type HostConfig = Static<typeof HostSchema>;
export type HostSettings = Static<typeof HostSettingsSchema>;
