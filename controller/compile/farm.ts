// Facts derived once from the fleet and shared by every role: who holds which role, the URLs
// everybody uses to reach the hub, and the well-known paths of Koji 1.35 on CentOS Stream 10
// (see shared/reference/koji.md §2, §8). Roles read these instead of spelling paths or URLs again.
import { hostsWith, type ResolvedFleet, type ResolvedHost } from "../config/defaults.js";
import type { Role } from "../config/fleet-schema.js";

export const PATHS = {
  /** Where the certificate stage installs the farm CA on every host. */
  caCert: "/etc/pki/koji/koji_ca_cert.crt",
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
  mockdir: "/var/lib/mock",
  mockuser: "kojibuilder",
  clientConfD: "/etc/koji.conf.d",
  /** The CLI's per-user certificate (PEM with key); `~` is expanded by the koji library. */
  clientCert: "~/.koji/client.crt",
  kojiBin: "/usr/bin/koji",
  localBin: "/usr/local/bin",
  httpdConfD: "/etc/httpd/conf.d",
  exportsD: "/etc/exports.d",
  /** Created by initdb: files here must be applied after it (a later stage orders that). */
  pgdata: "/var/lib/pgsql/data",
  /** The packaged kojihub.conf serves /kojifiles from here whatever KojiDir says. */
  packagedTopdir: "/mnt/koji",
} as const;

/** uid/gid of apache on Fedora/EL (fixed by the setup package); NFS clients must agree on it. */
export const APACHE_ID = "48";

export interface Farm {
  readonly fleet: ResolvedFleet;
  readonly hub: ResolvedHost;
  readonly database: ResolvedHost;
  readonly nfs: ResolvedHost;
  readonly kojira: ResolvedHost;
  readonly webs: readonly ResolvedHost[];
  readonly builders: readonly ResolvedHost[];
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

export function farmOf(fleet: ResolvedFleet): Farm {
  const hub = single(fleet, "hub");
  const webs = hostsWith(fleet, "web");
  return {
    fleet,
    hub,
    database: single(fleet, "database"),
    nfs: single(fleet, "nfs"),
    kojira: single(fleet, "kojira"),
    webs,
    builders: hostsWith(fleet, "builder"),
    hubUrl: `https://${hub.fqdn}/kojihub`,
    filesUrl: `https://${hub.fqdn}/kojifiles`,
    webUrl: webs[0] ? `https://${webs[0].fqdn}/koji` : undefined,
  };
}
