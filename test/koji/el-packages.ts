// What `dnf install <name>` lays down on CentOS Stream 10 that the Koji lane needs, for the lane's
// dnf stand-in (test/koji/platform/usr/bin/dnf): data only, one reason per package and per
// step that is not obvious. The Koji packages follow koji.spec's %files and the Makefiles'
// install targets, made from the unpacked Koji source; the others lay what EL's package does
// that the roles rely on (directories, accounts, unit files), the daemons being Debian's.
// Versions are the lane's (release "lane"), not EL10's.
import { mainConfigHead } from "../support/apache.js";
import { HTTPD_MAIN, HTTPD_MODULES } from "./debian-adaptations.js";

/** One install step; `path` is where it lands on the host. */
export type Step =
  | { op: "dir"; path: string; mode?: string; owner?: string; group?: string }
  /** A link into the Koji source (`from`, relative to its tree) or to a literal target (`to`). */
  | { op: "link"; path: string; from?: string; to?: string }
  /** A file of the Koji source; `config`: %config(noreplace), an existing different file stays (.rpmnew). */
  | { op: "copy"; path: string; from: string; mode?: string; owner?: string; group?: string; config?: boolean; python3?: boolean }
  /** A directory of the Koji source, copied file by file (its Makefiles left out). */
  | { op: "tree"; path: string; from: string }
  | { op: "text"; path: string; content: string; mode?: string; config?: boolean }
  /** One of the lane's stand-ins (test/koji/platform/usr/lib/koji-lane/packaged/<path>), 0755 unless `mode`. */
  | { op: "tool"; path: string; mode?: string }
  /** `getent group || groupadd -r`, as the package's %pre does. */
  | { op: "group"; name: string; gid?: number }
  | { op: "user"; name: string; uid?: number; group?: string; groups?: string[]; home: string; shell: string; comment?: string }
  /** A repo the package defines (epel-release's .repo files). */
  | { op: "repo"; id: string; name: string; enabled: boolean };

export interface ElPackage {
  readonly why: string;
  readonly repo: string;
  readonly epoch?: number;
  readonly version: string;
  readonly arch: "noarch" | "x86_64";
  readonly requires?: readonly string[];
  readonly steps: readonly Step[];
}

/** Repos a fresh CentOS Stream 10 has: id → [name, enabled]. */
export const BASE_REPOS: Readonly<Record<string, readonly [string, boolean]>> = {
  baseos: ["CentOS Stream 10 - BaseOS", true],
  appstream: ["CentOS Stream 10 - AppStream", true],
  crb: ["CentOS Stream 10 - CRB", false],
  "extras-common": ["CentOS Stream 10 - Extras packages", true],
};

/** The apache user and group EL's httpd fixes at 48 (the catalogs' user:apache and /mnt/koji's owner expect them). */
export const APACHE_ID = 48;
/** Debian 12's PostgreSQL server programs (EL10's postgresql-server has 16 in /usr/bin). */
export const PG_BIN = "/usr/lib/postgresql/15/bin";
const UNITS = "/usr/lib/systemd/system";

/** The main httpd.conf standing in for EL's (its data and reasons: debian-adaptations.ts). */
const httpdMainConf = (): string =>
  [...mainConfigHead({ serverRoot: HTTPD_MAIN.serverRoot, runDir: HTTPD_MAIN.runDir, modules: HTTPD_MODULES.map(([m]) => m), user: HTTPD_MAIN.user }), ...HTTPD_MAIN.tail, ""].join("\n");
const PYTHON3_SITE = "/usr/lib/python3/dist-packages"; // Debian's python3 finds packages here (EL: /usr/lib/python3.12/site-packages)

const HTTPD_SERVICE = `[Unit]
Description=The Apache HTTP Server
After=network.target remote-fs.target nss-lookup.target
Documentation=man:httpd.service(8)

[Service]
# EL's is Type=notify (mod_systemd); Debian's apache2 has no mod_systemd.
Type=simple
Environment=LANG=C
ExecStart=/usr/sbin/httpd -DFOREGROUND
ExecReload=/usr/sbin/httpd -k graceful
# Send SIGWINCH for graceful stop
KillSignal=SIGWINCH
KillMode=mixed
PrivateTmp=true
OOMPolicy=continue

[Install]
WantedBy=multi-user.target
`;

const POSTGRESQL_SERVICE = `[Unit]
Description=PostgreSQL database server
After=network-online.target
Wants=network-online.target

[Service]
# EL's is Type=notify running /usr/bin/postmaster -D \${PGDATA}; here Debian's server binary.
Type=simple
User=postgres
Group=postgres
Environment=PGDATA=/var/lib/pgsql/data
ExecStart=${PG_BIN}/postgres -D /var/lib/pgsql/data
ExecReload=/bin/kill -HUP $MAINPID
KillMode=mixed
KillSignal=SIGINT
TimeoutSec=0

[Install]
WantedBy=multi-user.target
`;

const NFS_SERVER_SERVICE = `[Unit]
Description=NFS server and services
After=network-online.target

[Service]
# No kernel NFS server runs in the lane: the export table is refreshed as EL's unit does before
# rpc.nfsd, and the clients see /mnt/koji through the lane's bind mounts.
Type=oneshot
RemainAfterExit=yes
ExecStartPre=/usr/sbin/exportfs -r
ExecStart=/bin/true
ExecStop=/usr/sbin/exportfs -au
ExecReload=/usr/sbin/exportfs -r

[Install]
WantedBy=multi-user.target
`;

export function elPackages(kojiVersion: string): Readonly<Record<string, ElPackage>> {
  const koji = { repo: "epel", version: kojiVersion, arch: "noarch" } as const;
  return {
    "epel-release": {
      why: "defines the EPEL repos the Koji packages come from",
      repo: "extras-common", version: "10", arch: "noarch",
      steps: [
        { op: "repo", id: "epel", name: "Extra Packages for Enterprise Linux 10 - x86_64", enabled: true },
        { op: "repo", id: "epel-testing", name: "Extra Packages for Enterprise Linux 10 - Testing - x86_64", enabled: false },
      ],
    },
    httpd: {
      why: "EL's httpd layout around Debian's apache2",
      repo: "appstream", version: "2.4.62", arch: "x86_64",
      steps: [
        // httpd-filesystem's %pre: getent group apache || groupadd -g 48 -r apache; same for the user.
        { op: "group", name: "apache", gid: APACHE_ID },
        { op: "user", name: "apache", uid: APACHE_ID, group: "apache", home: "/usr/share/httpd", shell: "/sbin/nologin", comment: "Apache" },
        { op: "dir", path: "/usr/share/httpd" },
        { op: "dir", path: HTTPD_MAIN.serverRoot },
        { op: "dir", path: `${HTTPD_MAIN.serverRoot}/conf` },
        { op: "dir", path: `${HTTPD_MAIN.serverRoot}/conf.d` },
        { op: "dir", path: `${HTTPD_MAIN.serverRoot}/conf.modules.d` },
        { op: "dir", path: "/var/log/httpd", mode: "0700" },
        { op: "dir", path: HTTPD_MAIN.runDir, mode: "0710", group: "apache" }, // EL's tmpfiles.d line
        { op: "link", path: `${HTTPD_MAIN.serverRoot}/logs`, to: "../../var/log/httpd" },
        { op: "link", path: `${HTTPD_MAIN.serverRoot}/run`, to: "/run/httpd" },
        // EL's httpd.conf loads conf.modules.d; this one loads Debian's module builds (debian-adaptations.ts).
        { op: "text", path: `${HTTPD_MAIN.serverRoot}/conf/httpd.conf`, content: httpdMainConf(), config: true },
        { op: "text", path: `${UNITS}/httpd.service`, content: HTTPD_SERVICE },
        { op: "tool", path: "/usr/sbin/httpd" },
      ],
    },
    mod_ssl: {
      why: "Debian's apache2 has mod_ssl built in (the main config loads it); its ssl.conf is the catalog's file",
      repo: "appstream", epoch: 1, version: "2.4.62", arch: "x86_64", requires: ["httpd"],
      steps: [],
    },
    python3: {
      why: "Debian's /usr/bin/python3 is already there (the lookaside's upload CGI runs it)",
      repo: "baseos", version: "3.12", arch: "x86_64",
      steps: [],
    },
    "python3-koji": {
      why: "Koji's library, the CLI's commands and the schema files",
      ...koji,
      steps: [
        { op: "link", path: `${PYTHON3_SITE}/koji`, from: "koji" },
        { op: "link", path: `${PYTHON3_SITE}/koji_cli`, from: "cli/koji_cli" },
        { op: "tree", path: "/usr/share/koji", from: "schemas" }, // %{_datadir}/koji/*.sql: the database role loads schema.sql from here
      ],
    },
    koji: {
      why: "the koji CLI",
      ...koji, requires: ["python3-koji"],
      steps: [
        { op: "copy", path: "/usr/bin/koji", from: "cli/koji", mode: "0755", python3: true }, // koji.spec's sed of #!/usr/bin/python2
        { op: "copy", path: "/etc/koji.conf", from: "cli/koji.conf", config: true },
        { op: "dir", path: "/etc/koji.conf.d" },
      ],
    },
    "python3-koji-hub": {
      why: "the hub's package and WSGI entry",
      ...koji, requires: ["python3-koji"],
      steps: [
        { op: "link", path: `${PYTHON3_SITE}/kojihub`, from: "kojihub" },
        // Copied: httpd refuses a symlinked WSGI script under Options ExecCGI.
        { op: "copy", path: "/usr/share/koji-hub/kojiapp.py", from: "kojihub/app/kojiapp.py" },
      ],
    },
    "koji-hub": {
      why: "the hub's httpd fragment, its config directory and the database sweeper",
      ...koji, requires: ["httpd", "python3-koji-hub"],
      steps: [
        { op: "copy", path: "/etc/httpd/conf.d/kojihub.conf", from: "kojihub/app/httpd.conf", mode: "0640", group: "apache", config: true },
        { op: "dir", path: "/etc/koji-hub" },
        { op: "copy", path: "/etc/koji-hub/hub.conf", from: "kojihub/app/hub.conf", mode: "0640", group: "apache", config: true },
        { op: "dir", path: "/etc/koji-hub/hub.conf.d" },
        { op: "copy", path: "/usr/sbin/koji-sweep-db", from: "util/koji-sweep-db", mode: "0755" },
        { op: "copy", path: `${UNITS}/koji-sweep-db.service`, from: "util/koji-sweep-db.service" },
        { op: "copy", path: `${UNITS}/koji-sweep-db.timer`, from: "util/koji-sweep-db.timer" },
      ],
    },
    "python3-koji-web": {
      why: "kojiweb's scripts, templates, library and static files",
      ...koji, requires: ["python3-koji"],
      steps: [
        // Copied: the Alias target of kojiweb.conf is a WSGI script (see kojiapp.py).
        { op: "tree", path: "/usr/share/koji-web/scripts", from: "www/kojiweb" },
        { op: "link", path: "/usr/share/koji-web/lib/kojiweb", from: "www/lib/kojiweb" },
        { op: "tree", path: "/usr/share/koji-web/static", from: "www/static" },
      ],
    },
    "koji-web": {
      why: "kojiweb's httpd fragment and config directory",
      ...koji, requires: ["httpd", "python3-koji-web"],
      steps: [
        { op: "dir", path: "/etc/kojiweb" },
        { op: "copy", path: "/etc/kojiweb/web.conf", from: "www/conf/web.conf", config: true },
        { op: "dir", path: "/etc/kojiweb/web.conf.d" },
        { op: "copy", path: "/etc/httpd/conf.d/kojiweb.conf", from: "www/conf/kojiweb.conf", config: true },
      ],
    },
    "koji-utils": {
      why: "kojira and its unit (koji-gc, koji-shadow, koji-sidetag-cleanup are not used by the roles)",
      ...koji, requires: ["python3-koji"],
      steps: [
        { op: "copy", path: "/usr/sbin/kojira", from: "util/kojira", mode: "0755" },
        { op: "dir", path: "/etc/kojira" },
        { op: "copy", path: "/etc/kojira/kojira.conf", from: "util/kojira.conf", config: true },
        { op: "copy", path: `${UNITS}/kojira.service`, from: "util/kojira.service" },
      ],
    },
    mock: {
      why: "only the mock group and mock's directory (kojibuilder is a member; mock itself does not run here)",
      repo: "epel", version: "6.1", arch: "noarch",
      steps: [
        { op: "group", name: "mock", gid: 135 }, // mock's %pre: groupadd -f -g 135 -r mock
        { op: "dir", path: "/var/lib/mock", mode: "2775", group: "mock" },
      ],
    },
    "python3-multilib": {
      why: "kojid imports it at start; Debian has none: a module that fails if a multilib dist-repo is ever asked for",
      repo: "appstream", version: "1.2", arch: "noarch",
      steps: [
        { op: "tool", path: `${PYTHON3_SITE}/multilib/__init__.py`, mode: "0644" },
        { op: "tool", path: `${PYTHON3_SITE}/multilib/multilib.py`, mode: "0644" },
      ],
    },
    "koji-builder": {
      why: "kojid, its unit, config directory and account",
      ...koji, requires: ["python3-koji", "python3-multilib", "mock"],
      steps: [
        // %pre: useradd -r -s /usr/sbin/nologin -G mock -d /builddir -M kojibuilder
        { op: "user", name: "kojibuilder", groups: ["mock"], home: "/builddir", shell: "/usr/sbin/nologin" },
        { op: "copy", path: "/usr/sbin/kojid", from: "builder/kojid", mode: "0755", python3: true },
        { op: "dir", path: "/etc/kojid" },
        { op: "copy", path: "/etc/kojid/kojid.conf", from: "builder/kojid.conf", config: true },
        { op: "dir", path: "/etc/mock/koji", owner: "kojibuilder", group: "kojibuilder" },
        { op: "copy", path: `${UNITS}/kojid.service`, from: "builder/kojid.service" },
      ],
    },
    "nfs-utils": {
      why: "exportfs, the exports.d directory and nfs-server.service (no kernel NFS server runs)",
      repo: "baseos", epoch: 1, version: "2.6.2", arch: "x86_64",
      steps: [
        { op: "dir", path: "/etc/exports.d" },
        { op: "dir", path: "/var/lib/nfs" },
        { op: "tool", path: "/usr/sbin/exportfs" },
        { op: "text", path: `${UNITS}/nfs-server.service`, content: NFS_SERVER_SERVICE },
      ],
    },
    "policycoreutils-python-utils": {
      why: "semanage (booleans, file contexts)",
      repo: "appstream", version: "3.8", arch: "noarch",
      steps: [{ op: "tool", path: "/usr/sbin/semanage" }],
    },
    postgresql: {
      why: "the client: Debian's /usr/bin/psql is already there",
      repo: "appstream", version: "15", arch: "x86_64",
      steps: [],
    },
    "postgresql-server": {
      why: "EL's data directory, socket directory, unit and postgresql-setup around Debian's PostgreSQL 15 (EL10 has 16); Debian's postgres account stands in for EL's (uid 26)",
      repo: "appstream", version: "15", arch: "x86_64", requires: ["postgresql"],
      steps: [
        { op: "dir", path: "/var/lib/pgsql", mode: "0700", owner: "postgres", group: "postgres" },
        { op: "dir", path: "/run/postgresql", mode: "0755", owner: "postgres", group: "postgres" }, // EL's tmpfiles.d line
        { op: "text", path: `${UNITS}/postgresql.service`, content: POSTGRESQL_SERVICE },
        { op: "tool", path: "/usr/bin/postgresql-setup" },
      ],
    },
  };
}
