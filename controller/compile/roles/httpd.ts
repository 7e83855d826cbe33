// httpd on hub, web and lookaside hosts: ONE service, ONE TLS vhost, built from the host's roles so
// roles sharing a host cannot collide. mod_ssl's ssl.conf is managed whole: its packaged vhost
// would point at a self-signed localhost certificate. Client certificates are requested in the
// initial handshake for the whole vhost (`SSLVerifyClient optional`), never by a per-Location
// `require` (docs/pitfalls.md#pitfall-9: TLS 1.3 post-handshake auth and renegotiation break
// non-PHA clients and large POSTs). The packaged kojihub.conf/kojiweb.conf keep their ssllogin /
// login Location blocks commented out, which is then exactly right. Given the CA's CRL, the vhost
// refuses revoked client certificates in that same handshake.
import type { ResolvedHost } from "../../config/defaults.js";
import { hasRole, PATHS, type Farm } from "../farm.js";
import { certFileOf, certId, keyFileOf, vhostCertName } from "../certs.js";
import { managedHeader } from "../ini.js";
import { serviceId, service } from "../kinds.js";
import { fileIn, type RolePart } from "../resources.js";
import { treeFor } from "./tree.js";

export const HTTPD = "httpd.service";
export const HTTPD_ID = serviceId(HTTPD);

/** `checksCrl`: the compiler was given the CA's CRL, so the host has PATHS.crl to check. */
export function sslConf(host: ResolvedHost, checksCrl: boolean): string {
  const cert = vhostCertName(host);
  return [
    managedHeader("mod_ssl: the one TLS vhost of this host (koji-fleet replaces the packaged ssl.conf).").trimEnd(),
    "Listen 443 https",
    "SSLPassPhraseDialog exec:/usr/libexec/httpd-ssl-pass-dialog",
    "SSLSessionCache shmcb:/run/httpd/sslcache(512000)",
    "SSLSessionCacheTimeout 300",
    "SSLCryptoDevice builtin",
    "",
    "<VirtualHost _default_:443>",
    `    ServerName ${host.fqdn}`,
    `    ServerAlias ${host.name}`,
    "    ErrorLog logs/ssl_error_log",
    "    TransferLog logs/ssl_access_log",
    "    LogLevel warn",
    "    SSLEngine on",
    "    SSLHonorCipherOrder on",
    "    SSLCipherSuite PROFILE=SYSTEM",
    "    SSLProxyCipherSuite PROFILE=SYSTEM",
    `    SSLCertificateFile ${certFileOf(cert)}`,
    `    SSLCertificateKeyFile ${keyFileOf(cert)}`,
    "    # The CA that issued the farm's user, host and service certificates.",
    `    SSLCACertificateFile ${PATHS.caCert}`,
    ...(checksCrl
      ? [
          "    # What the CA revoked (koji-fleet ca revoke), republished by the controller before its",
          "    # nextUpdate; checked for every certificate of the client's chain.",
          `    SSLCARevocationFile ${PATHS.crl}`,
          "    SSLCARevocationCheck chain",
        ]
      : []),
    "    # Ask for a client certificate in the handshake, on the whole vhost: Koji's ssllogin,",
    "    # kojiweb's login and the lookaside upload CGI read SSL_CLIENT_* from StdEnvVars.",
    "    SSLVerifyClient optional",
    "    SSLVerifyDepth 10",
    "    SSLOptions +StdEnvVars",
    "</VirtualHost>",
    "",
  ].join("\n");
}

/** Threads per httpd child on a hub: EL's event MPM default. */
const HUB_THREADS_PER_CHILD = 25;

/**
 * The most database connections one hub host opens: kojihub keeps one per httpd thread, and
 * ServerLimit × ThreadsPerChild bounds every thread, those of children still finishing
 * included. EL's defaults (16 × 25 = 400) exceed PostgreSQL's 100: the Koji lane ran the hub
 * out of connection slots ("remaining connection slots are reserved").
 */
export function hubDatabaseConnections(farm: Farm): { serverLimit: number; threads: number } {
  const serverLimit = Math.ceil(farm.fleet.koji.hub.maxRequestWorkers / HUB_THREADS_PER_CHILD);
  return { serverLimit, threads: serverLimit * HUB_THREADS_PER_CHILD };
}

/** hub and web WSGI processes grow (koji server_howto): recycle httpd children; a hub's threads are capped. */
export function mpmConf(farm: Farm, host: ResolvedHost): string {
  const lines = [managedHeader("hub and web WSGI processes grow: recycle httpd children (koji server_howto).").trimEnd(), `MaxConnectionsPerChild ${farm.fleet.koji.hub.maxConnectionsPerChild}`];
  if (hasRole(host, "hub")) {
    const { serverLimit, threads } = hubDatabaseConnections(farm);
    lines.push(
      "# kojihub holds a database connection per thread: every thread, finishing children's too, fits the database's max_connections.",
      "<IfModule mpm_event_module>",
      `    ServerLimit ${serverLimit}`,
      `    ThreadsPerChild ${HUB_THREADS_PER_CHILD}`,
      `    MaxRequestWorkers ${threads}`,
      "</IfModule>",
      "<IfModule mpm_prefork_module>",
      `    ServerLimit ${threads}`,
      `    MaxRequestWorkers ${threads}`,
      "</IfModule>",
    );
  }
  return `${lines.join("\n")}\n`;
}

export function httpdPart(farm: Farm, host: ResolvedHost): RolePart {
  const notify = { notifies: [HTTPD_ID] };
  const python = hasRole(host, "hub", "web");
  // The hub serves /kojifiles from the tree: httpd must not start before it is mounted.
  const tree = hasRole(host, "hub") ? treeFor(farm, host, HTTPD) : { resources: [], requires: [] };
  const crl = farm.opts.crlPem;
  // mod_ssl refuses a config naming a missing SSLCARevocationFile: the CRL is written first.
  const sslRequires = [certId(vhostCertName(host)), ...(crl !== undefined ? [`file:${PATHS.crl}`] : [])];
  return {
    packages: ["httpd", "mod_ssl"],
    firewall: ["https"],
    resources: [
      ...(crl !== undefined ? fileIn(PATHS.crl, crl, undefined, notify) : []),
      ...fileIn(PATHS.sslConf, sslConf(host, crl !== undefined), undefined, { requires: sslRequires, ...notify }),
      ...(python ? fileIn(PATHS.mpmConf, mpmConf(farm, host), undefined, notify) : []),
      ...tree.resources,
      // reload = graceful: running requests finish, children re-read config and certificates.
      service(HTTPD, { reload: true }, { requires: tree.requires }),
    ],
    probes: [],
  };
}
