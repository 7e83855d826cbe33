// kojihub: /etc/koji-hub/hub.conf (koji.md §2.1) and the httpd child recycling it needs (§2.2).
import type { ResolvedHost } from "../../config/defaults.js";
import { PATHS, type Farm } from "../farm.js";
import { managedHeader, renderIni } from "../ini.js";
import { rfc2253, webCertSubject } from "../pki.js";
import { directory, fileIn, pathProbe, symlink, type RolePart } from "../resources.js";

/** Where hub.conf's DB password drop-in will live (hub.conf.d is read first; hub.conf sets no DBPass). */
export const hubSecretDropIn = `${PATHS.hubConfD}/koji-fleet-secrets.conf`;

/** ProxyDNs: every kojiweb certificate DN, `|`-separated, exactly as mod_ssl reports it. */
export const proxyDns = (farm: Farm): string | undefined =>
  farm.webs.length > 0 ? farm.webs.map((w) => rfc2253(webCertSubject(farm.fleet, w))).join("|") : undefined;

export function hubConf(farm: Farm): string {
  const { koji } = farm.fleet;
  const db = koji.database;
  return renderIni([
    {
      name: "hub",
      entries: [
        ["DBName", db.name],
        ["DBUser", db.user],
        // Host name, not "localhost": DBHost switches libpq to TCP, which pg_hba allows from our address.
        ["DBHost", farm.database.fqdn],
        ["DBPort", db.port],
        { comment: "DBPass is deliberately not here: this file is derived from git and visible to every catalog" },
        { comment: `reader. Secret '${db.passwordSecret}' goes to ${hubSecretDropIn} (0640 root:apache).` },
        ["KojiDir", koji.topdir],
        ["DNUsernameComponent", "CN"],
        ["ProxyDNs", proxyDns(farm)],
        ["LoginCreatesUser", koji.hub.loginCreatesUser],
        ["CheckClientIP", koji.hub.checkClientIP],
        ["KojiWebURL", farm.webUrl],
        ["EmailDomain", koji.hub.emailDomain],
        ["DisableNotifications", koji.hub.disableNotifications],
        { comment: "Owner of the newRepo tasks the hub queues; must be the user kojira logs in as." },
        ["RepoQueueUser", koji.kojiraUser],
      ],
    },
  ]);
}

/** Shared by hub and web hosts (same content, so one host with both gets one resource). */
export function httpdRecycling(farm: Farm): RolePart {
  const n = farm.fleet.koji.hub.maxConnectionsPerChild;
  const content = `${managedHeader("hub and web WSGI processes grow: recycle httpd children (koji server_howto).")}MaxConnectionsPerChild ${n}\n`;
  return { resources: fileIn(`${PATHS.httpdConfD}/koji-fleet-mpm.conf`, content), probes: [] };
}

export function hubPart(farm: Farm, _host: ResolvedHost): RolePart {
  const topdir = farm.fleet.koji.topdir;
  return {
    resources: [
      directory(PATHS.hubConfD),
      ...fileIn(PATHS.hubConf, hubConf(farm), { mode: "0640", owner: "root", group: "apache" }),
      ...httpdRecycling(farm).resources,
      // The packaged kojihub.conf aliases /kojifiles to /mnt/koji; upstream advises this link.
      ...(topdir !== PATHS.packagedTopdir ? [symlink(PATHS.packagedTopdir, topdir)] : []),
    ],
    probes: [pathProbe(PATHS.hubConf, "file")],
  };
}
