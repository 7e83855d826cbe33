// kojihub: /etc/koji-hub/hub.conf and its DB-password drop-in
// (https://docs.pagure.org/koji/hub_conf/), the hub's server certificate, SELinux for httpd writing
// the tree and reaching PostgreSQL (docs/pitfalls.md#pitfall-5), koji-sweep-db.timer (Koji's server
// how-to, "Maintaining database"), and the bootstrap admin's client certificate for root. httpd
// itself (vhost, service, mount) is roles/httpd.ts: shared with web and lookaside.
import type { ResolvedHost } from "../../config/defaults.js";
import { PATHS, treeIsLocal, type Farm } from "../farm.js";
import { certificateParts, clientPem, hostSubject } from "../certs.js";
import { renderIni, managedHeader } from "../ini.js";
import { secretFile, selinuxBoolean, selinuxFcontext, service } from "../kinds.js";
import { certSubject, rfc2253, webCertSubject } from "../pki.js";
import { APACHE_READABLE, directory, fileIn, pathProbe, symlink, type RolePart } from "../resources.js";
import { HTTPD_ID } from "./httpd.js";

/** hub.conf.d is read before hub.conf; hub.conf sets no DBPass, so this one counts. */
export const hubSecretDropIn = `${PATHS.hubConfD}/koji-fleet-secrets.conf`;
export const SWEEP_TIMER = "koji-sweep-db.timer";

/** ProxyDNs: every kojiweb certificate DN, `|`-separated, exactly as mod_ssl reports it (docs/pitfalls.md#pitfall-1). */
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
    ...(koji.hub.policy ? [{ name: "policy", entries: Object.entries(koji.hub.policy).map(([name, rules]) => [name, { lines: rules.trimEnd().split("\n").map((r) => r.trim()) }] as const) }] : []),
  ]);
}

export const hubSecretTemplate = (farm: Farm): string =>
  `${managedHeader("The koji role's password, filled in on the host from its secrets.")}[hub]\nDBPass = {{secret:${farm.fleet.koji.database.passwordSecret}}}\n`;

/**
 * SELinux (docs/pitfalls.md#pitfall-5): the database is remote; the tree is written by httpd. On NFS local file
 * contexts do not apply (httpd_use_nfs does); where the tree is local (hub on the nfs host) it
 * is labeled public_content_rw_t, which httpd_anon_write lets httpd write.
 */
function selinux(farm: Farm, host: ResolvedHost) {
  const local = treeIsLocal(host);
  return [
    selinuxBoolean("httpd_can_network_connect_db"),
    selinuxBoolean("httpd_anon_write"),
    ...(local ? [selinuxFcontext(farm.fleet.koji.topdir, "public_content_rw_t")] : [selinuxBoolean("httpd_use_nfs")]),
  ];
}

/** root's `koji -p <fleet>` on the hub authenticates as the bootstrap admin (CN = koji.adminUser). */
function admin(farm: Farm, host: ResolvedHost) {
  const subject = certSubject(farm.fleet, "kojiadmin", farm.fleet.koji.adminUser);
  return [
    ...certificateParts(farm, host, "kojiadmin", subject, "client"),
    directory(PATHS.rootKojiDir, { mode: "0700", owner: "root", group: "root" }),
    clientPem(PATHS.adminPem, "kojiadmin", { mode: "0600", owner: "root", group: "root" }),
  ];
}

export function hubPart(farm: Farm, host: ResolvedHost): RolePart {
  const topdir = farm.fleet.koji.topdir;
  const restart = { notifies: [HTTPD_ID] };
  return {
    packages: ["koji-hub", "mod_ssl", "koji", "policycoreutils-python-utils", "postgresql", ...(treeIsLocal(host) ? [] : ["nfs-utils"])],
    resources: [
      ...certificateParts(farm, host, "kojihub", hostSubject(farm, "kojihub", host), "server", restart),
      directory(PATHS.hubConfD),
      ...fileIn(PATHS.hubConf, hubConf(farm), APACHE_READABLE, restart),
      secretFile(hubSecretDropIn, hubSecretTemplate(farm), APACHE_READABLE, restart),
      ...selinux(farm, host),
      // The packaged kojihub.conf aliases /kojifiles to /mnt/koji; upstream advises this link.
      ...(topdir !== PATHS.packagedTopdir ? [symlink(PATHS.packagedTopdir, topdir)] : []),
      // Deletes expired sessions; not enabled by the package (sessions table grows otherwise).
      service(SWEEP_TIMER, {}, { requires: [`file:${PATHS.hubConf}`, `secret-file:${hubSecretDropIn}`] }),
      ...admin(farm, host),
    ],
    probes: [pathProbe(PATHS.hubConf, "file")],
  };
}
