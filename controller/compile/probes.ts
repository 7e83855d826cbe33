// The health checks of each role (docs/roles/*.md, "Health checks"), declared in the host's catalog
// and run by its agent. A host is Ready only when they pass, and rollouts wait on that.
import type { Probe } from "../../shared/protocol.js";
import type { ResolvedHost } from "../config/defaults.js";
import { PATHS, hasRole, treeIsLocal, type Farm } from "./farm.js";

const probe = (id: string, kind: string, props: Record<string, unknown>): Probe => ({ id: `${kind}:${id}`, kind, props });
const unit = (name: string): Probe => probe(name, "service-active", { unit: name });
const tls = { caFile: PATHS.caCert };

function database(farm: Farm): Probe[] {
  const db = farm.fleet.koji.database;
  return [
    unit("postgresql.service"),
    // The login the hub makes, over TCP with scram, as the koji role (pg_hba admits 127.0.0.1).
    probe("koji-login", "postgres-login", { host: "127.0.0.1", port: db.port, database: db.name, user: db.user, passwordSecret: db.passwordSecret }),
  ];
}

function hub(farm: Farm, host: ResolvedHost): Probe[] {
  return [
    unit("httpd.service"),
    // GET is refused by design once the WSGI app is loaded.
    probe("kojihub-get", "http", { url: farm.hubUrl, expectStatus: 405, ...tls }),
    probe("getAPIVersion", "xmlrpc", { url: farm.hubUrl, method: "getAPIVersion", expect: 1, ...tls }),
    // The admin's SSL login works end to end (certificate, CA, vhost-level SSLVerifyClient).
    probe("admin-login", "xmlrpc", { url: farm.hubUrl, method: "getLoggedInUser", sslLogin: true, expectIncludes: { name: farm.fleet.koji.adminUser }, clientCert: { pemFile: PATHS.adminPem }, ...tls }),
    probe("tree-writable", "path-access", { path: farm.fleet.koji.topdir, as: "apache", access: "write", ...(!treeIsLocal(host) && { mounted: true }) }),
  ];
}

function kojira(farm: Farm, host: ResolvedHost): Probe[] {
  return [
    unit("kojira.service"),
    // Without the repo permission kojira cannot turn repo requests into tasks: repos stall.
    probe("kojira-repo-permission", "xmlrpc", { url: farm.hubUrl, method: "getUserPerms", params: [farm.fleet.koji.kojiraUser], expectIncludes: ["repo"], ...tls }),
    probe("repos-writable", "path-access", { path: `${farm.fleet.koji.topdir}/repos`, as: "root", access: "write", ...(!treeIsLocal(host) && { mounted: true }) }),
  ];
}

function builder(farm: Farm, host: ResolvedHost): Probe[] {
  return [
    unit("kojid.service"),
    // Enabled and ready in Koji's own view: kojid logged in, has capacity and disk.
    probe("koji-host-ready", "xmlrpc", { url: farm.hubUrl, method: "getHost", params: [host.fqdn], expectIncludes: { enabled: true, ready: true }, ...tls }),
    probe("repos-readable", "path-access", { path: `${farm.fleet.koji.topdir}/repos`, as: PATHS.mockuser, access: "read", mounted: true }),
  ];
}

/** The probes of a host's roles beyond the files its role parts check. */
export function roleProbes(farm: Farm, host: ResolvedHost): Probe[] {
  const out: Probe[] = [];
  if (hasRole(host, "database")) out.push(...database(farm));
  if (hasRole(host, "nfs")) out.push(unit("nfs-server.service"));
  if (hasRole(host, "hub")) out.push(...hub(farm, host));
  if (hasRole(host, "web") && farm.webUrl) out.push(probe("kojiweb-page", "http", { url: `https://${host.fqdn}/koji/`, expectStatus: 200, ...tls }));
  if (hasRole(host, "kojira")) out.push(...kojira(farm, host));
  if (hasRole(host, "builder")) out.push(...builder(farm, host));
  if (hasRole(host, "lookaside")) out.push(probe("lookaside-index", "http", { url: `https://${host.fqdn}/repo/pkgs/`, expectStatus: 200, ...tls }));
  if (hasRole(host, "lookaside") && !hasRole(host, "hub", "web")) out.push(unit("httpd.service"));
  return out;
}
