// Facts derived once from the fleet and shared by every role: who holds which role, the URLs
// everybody uses to reach the hub, and the well-known paths of Koji 1.35 on CentOS Stream 10
// (Koji's server how-to: https://docs.pagure.org/koji/server_howto/). Roles read these instead of
// spelling paths or URLs again.
import { hostsWith, type ResolvedFleet, type ResolvedHost } from "../config/defaults.js";
import type { Role } from "../config/fleet-schema.js";

export const PATHS = {
  /** Where every certificate resource writes the farm CA (Koji's serverca, httpd's SSLCACertificateFile). */
  caCert: "/etc/pki/koji/koji_ca_cert.crt",
  /** The CA's CRL (httpd's SSLCARevocationFile), wherever httpd verifies client certificates. */
  crl: "/etc/pki/koji/koji_ca.crl",
  pkiDir: "/etc/pki/koji",
  pkiCerts: "/etc/pki/koji/certs",
  /** Keys: 0700 root, each key 0600 (the certificate kind writes them). */
  pkiPrivate: "/etc/pki/koji/private",
  /** The CA in the system trust store: builders fetch topurl over HTTPS, curl/dnf trust the farm. */
  caAnchor: "/etc/pki/ca-trust/source/anchors/koji_ca_cert.crt",
  hubConfDir: "/etc/koji-hub",
  hubConf: "/etc/koji-hub/hub.conf",
  /** Read before hub.conf; the DB password drop-in goes here. */
  hubConfD: "/etc/koji-hub/hub.conf.d",
  webConfDir: "/etc/kojiweb",
  webConf: "/etc/kojiweb/web.conf",
  /** Read before web.conf; the Secret drop-in goes here. */
  webConfD: "/etc/kojiweb/web.conf.d",
  /** Web's proxy client certificate: PEM with certificate AND key. */
  webCert: "/etc/kojiweb/kojiweb.pem",
  webLibPath: "/usr/share/koji-web/lib",
  kojiraConfDir: "/etc/kojira",
  kojiraConf: "/etc/kojira/kojira.conf",
  kojiraCert: "/etc/kojira/client.crt",
  kojiraLog: "/var/log/kojira.log",
  kojidConfDir: "/etc/kojid",
  kojidConf: "/etc/kojid/kojid.conf",
  kojidCert: "/etc/kojid/client.crt",
  /** kojid's scm_credentials_dir: bind-mounted at /credentials in SRPM buildroots (roles/scm-sources.ts). */
  scmSourcesDir: "/etc/kojid/scm-sources",
  mockdir: "/var/lib/mock",
  mockuser: "kojibuilder",
  clientConfD: "/etc/koji.conf.d",
  /** The CLI's per-user certificate (PEM with key); `~` is expanded by the koji library. */
  clientCert: "~/.koji/client.crt",
  /** root's koji directory on the hub: the admin certificate for the fleet profile. */
  rootKojiDir: "/root/.koji",
  adminPem: "/root/.koji/client.crt",
  kojiBin: "/usr/bin/koji",
  localBin: "/usr/local/bin",
  httpdConfD: "/etc/httpd/conf.d",
  /** mod_ssl's file, managed whole: one vhost per host whatever roles share it. */
  sslConf: "/etc/httpd/conf.d/ssl.conf",
  mpmConf: "/etc/httpd/conf.d/koji-fleet-mpm.conf",
  /** SQL files koji-fleet writes for postgres-sql (inside the agent's own state directory). */
  sqlDir: "/var/lib/koji-fleet/sql",
  /** koji-fleet's lookaside upload CGI (roles/lookaside-upload.ts), labeled httpd_sys_script_exec_t. */
  uploadCgi: "/var/lib/koji-fleet-lookaside/cgi/upload.cgi",
  exportsD: "/etc/exports.d",
  /** Created by initdb: files here must be applied after it (a later stage orders that). */
  pgdata: "/var/lib/pgsql/data",
  /** The packaged kojihub.conf serves /kojifiles from here whatever KojiDir says. */
  packagedTopdir: "/mnt/koji",
} as const;

/** uid/gid of apache on Fedora/EL (fixed by the setup package); NFS clients must agree on it. */
export const APACHE_ID = "48";

/** Inputs of a compilation besides fleet.yaml (controller state); all optional. */
export interface CompileOptions {
  /**
   * Builders already registered in Koji (koji add-host done), by host name or FQDN: their
   * `koji-host-registered` gate opens and kojid may start (docs/pitfalls.md#pitfall-2). Default: none.
   */
  readonly registeredBuilders?: ReadonlySet<string>;
  /**
   * kojira's Koji user holds the `repo` permission (the controller granted it): its
   * `kojira-permitted` gate opens and kojira may start. Default: false.
   */
  readonly kojiraPermitted?: boolean;
  /**
   * The fleet CA certificate (PEM). Hosts with a certificate resource get the CA with it; hosts
   * without one (database, nfs) get it only from here, as a plain file. Default: not given.
   */
  readonly caCertPem?: string;
  /**
   * The CA's current CRL (PEM), from the controller's RevocationList. Every host whose httpd
   * verifies client certificates gets it and checks it; without it (no CA: offline plan,
   * validate) nothing is checked. Default: not given.
   */
  readonly crlPem?: string;
}

export interface Farm {
  readonly fleet: ResolvedFleet;
  readonly opts: CompileOptions;
  readonly hub: ResolvedHost;
  readonly database: ResolvedHost;
  readonly nfs: ResolvedHost;
  readonly kojira: ResolvedHost;
  readonly webs: readonly ResolvedHost[];
  readonly builders: readonly ResolvedHost[];
  readonly lookasides: readonly ResolvedHost[];
  /** Each host's place in fleet.yaml: lists of peers keep that order without scanning every host per host. */
  readonly position: ReadonlyMap<ResolvedHost, number>;
  /** XML-RPC endpoint: hub.conf has none, everybody else's `server`. */
  readonly hubUrl: string;
  /** /mnt/koji over HTTPS (`topurl`, KojiFilesURL), served by the hub's httpd. */
  readonly filesUrl: string;
  /** First web host's UI, if the farm has a web role. */
  readonly webUrl: string | undefined;
}

function single(fleet: ResolvedFleet, role: Role): ResolvedHost {
  const [host, ...rest] = hostsWith(fleet, role);
  // loadFleet guarantees exactly one; reaching this means an unvalidated fleet was compiled.
  if (!host || rest.length > 0) throw new Error(`fleet must have exactly one '${role}' host (was it validated with loadFleet?)`);
  return host;
}

export function farmOf(fleet: ResolvedFleet, opts: CompileOptions = {}): Farm {
  const hub = single(fleet, "hub");
  const webs = hostsWith(fleet, "web");
  if (opts.caCertPem !== undefined && !opts.caCertPem.startsWith("-----BEGIN CERTIFICATE-----")) throw new Error("caCertPem is not a PEM certificate");
  if (opts.crlPem !== undefined && !opts.crlPem.startsWith("-----BEGIN X509 CRL-----")) throw new Error("crlPem is not a PEM CRL");
  return {
    fleet,
    opts,
    hub,
    database: single(fleet, "database"),
    nfs: single(fleet, "nfs"),
    kojira: single(fleet, "kojira"),
    webs,
    builders: hostsWith(fleet, "builder"),
    lookasides: hostsWith(fleet, "lookaside"),
    position: new Map(fleet.hosts.map((h, i) => [h, i])),
    hubUrl: `https://${hub.fqdn}/kojihub`,
    filesUrl: `https://${hub.fqdn}/kojifiles`,
    webUrl: webs[0] ? `https://${webs[0].fqdn}/koji` : undefined,
  };
}

const has = (host: ResolvedHost, ...roles: Role[]): boolean => roles.some((r) => host.roles.includes(r));

/** Reads or writes koji.topdir: hub and kojira write (rw), builders read (ro). */
export const usesTree = (host: ResolvedHost): boolean => has(host, "hub", "kojira", "builder");
export const writesTree = (host: ResolvedHost): boolean => has(host, "hub", "kojira");
/** On the NFS server the tree is local: nothing to mount, and local SELinux labels apply. */
export const treeIsLocal = (host: ResolvedHost): boolean => has(host, "nfs");
/** Runs httpd (one service and one TLS vhost whatever roles share it). */
export const runsHttpd = (host: ResolvedHost): boolean => has(host, "hub", "web", "lookaside");
export { has as hasRole };
