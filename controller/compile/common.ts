// What every host gets whatever its roles: a koji client profile named after the fleet, so admins
// and health checks on any host can run `koji -p <fleet> ...`, and a `<fleet>` command for it (the
// koji CLI picks the profile named like the command it was started as:
// https://docs.pagure.org/koji/profiles/); the farm CA in the system trust store (builders fetch
// topurl over HTTPS, pitfall 10's cousin, docs/pitfalls.md#pitfall-10); its own and its peers'
// FQDNs and short names in /etc/hosts unless the site's DNS has them (fleet.nameResolution); and
// apache with uid/gid 48 wherever the Koji tree is used, so NFS ownership agrees
// (docs/pitfalls.md#pitfall-7).
import type { Resource } from "../../shared/protocol.js";
import type { ResolvedHost } from "../config/defaults.js";
import { APACHE_ID, PATHS, hasRole, treeIsLocal, usesTree, type Farm } from "./farm.js";
import { renderIni } from "./ini.js";
import { execRefreshOnly, group, hostsEntries, pemBundle, user } from "./kinds.js";
import { file, fileIn, parentDirs, pathProbe, ROOT_CONFIG, symlink, type RolePart } from "./resources.js";

export const clientProfilePath = (farm: Farm): string => `${PATHS.clientConfD}/${farm.fleet.name}.conf`;
export const UPDATE_CA_TRUST = "exec:update-ca-trust";

export function clientProfile(farm: Farm): string {
  return renderIni(
    [
      {
        name: farm.fleet.name,
        entries: [
          ["server", farm.hubUrl],
          ["weburl", farm.webUrl],
          ["topurl", farm.filesUrl],
          ["topdir", farm.fleet.koji.topdir],
          ["authtype", "ssl"],
          { comment: "Each user's own certificate: PEM with certificate and private key." },
          ["cert", PATHS.clientCert],
          ["serverca", PATHS.caCert],
        ],
      },
    ],
    [`koji client profile of the ${farm.fleet.name} farm: koji -p ${farm.fleet.name} hello`],
  );
}

/** apache exactly as httpd's sysusers creates it on EL, so hub, kojira and builders agree on 48. */
export function apacheAccount(): Resource[] {
  const id = Number(APACHE_ID);
  return [
    group("apache", id),
    user("apache", { uid: id, group: "apache", home: "/usr/share/httpd", shell: "/sbin/nologin", comment: "Apache", system: true, createHome: false }, { requires: ["group:apache"] }),
  ];
}

/**
 * The CA in the system trust store. Its source is the CA file the host's certificate resources
 * write; a host without any (database, nfs) gets it only when the compiler was given the CA.
 */
function trustAnchor(farm: Farm, certIds: readonly string[]): Resource[] {
  const pem = farm.opts.caCertPem;
  if (certIds.length === 0 && pem === undefined) return [];
  const source = certIds.length > 0 ? [] : [...parentDirs(PATHS.caCert), file(PATHS.caCert, pem!)];
  return [
    ...source,
    pemBundle(PATHS.caAnchor, [PATHS.caCert], ROOT_CONFIG, { requires: certIds.length > 0 ? certIds : [`file:${PATHS.caCert}`], notifies: [UPDATE_CA_TRUST] }),
    execRefreshOnly("update-ca-trust", ["/usr/bin/update-ca-trust", "extract"]),
  ];
}

/**
 * The names a host resolves, as `address fqdn name`: its own, and those of the hosts it connects
 * to by FQDN. Every host: the hub (the client profile). The hub: the database (DBHost). Hosts
 * that mount the Koji tree: the NFS server. Builders: the lookaside. Nothing connects to a
 * builder (kojid polls the hub, exports and pg_hba list addresses), so adding one changes its
 * own catalog only, and a catalog lists a handful of names at any size of farm.
 */
function hostNames(farm: Farm, host: ResolvedHost): Resource[] {
  if (farm.fleet.nameResolution !== "hosts") return [];
  const peers = new Set<ResolvedHost>([host, farm.hub]);
  if (hasRole(host, "hub")) peers.add(farm.database);
  if (usesTree(host) && !treeIsLocal(host)) peers.add(farm.nfs);
  if (hasRole(host, "builder")) for (const lookaside of farm.lookasides) peers.add(lookaside);
  const inFleetOrder = [...peers].sort((a, b) => farm.position.get(a)! - farm.position.get(b)!);
  return [hostsEntries(inFleetOrder.map((h) => ({ address: h.address, names: [h.fqdn, h.name] })))];
}

/** `certIds`: the certificate resources the host's roles declared (each writes the CA file). */
export function commonPart(farm: Farm, host: ResolvedHost, certIds: readonly string[]): RolePart {
  const profile = clientProfilePath(farm);
  return {
    packages: ["koji"],
    resources: [
      ...fileIn(profile, clientProfile(farm)),
      symlink(`${PATHS.localBin}/${farm.fleet.name}`, PATHS.kojiBin),
      ...trustAnchor(farm, certIds),
      ...hostNames(farm, host),
      ...(usesTree(host) ? apacheAccount() : []),
    ],
    probes: [pathProbe(profile, "file")],
  };
}
