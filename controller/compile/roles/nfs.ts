// NFS server: the Koji tree skeleton and its export (docs/pitfalls.md#pitfall-7). Client options
// are derived from roles: hub and kojira write (rw, no root squashing: kojira runs as root and
// deletes apache-owned repos, admins import and clean up as root on the hub,
// docs/pitfalls.md#pitfall-7), builders only read (ro, root squashed). NFSv4 only: clients mount
// with fstype nfs4, so port 2049 (firewalld `nfs`) is all it needs; rpc-bind and mountd stay
// closed.
import type { ResolvedHost } from "../../config/defaults.js";
import { APACHE_ID, usesTree, writesTree, type Farm } from "../farm.js";
import { directory, parentDirs, pathProbe, res, type Ownership, type RolePart } from "../resources.js";
import { service } from "../kinds.js";

/** Subdirectories Koji expects under topdir (server_howto "Koji filesystem skeleton"). */
export const TOPDIR_SUBDIRS = ["packages", "repos", "work", "scratch", "repos-dist"] as const;
/** /etc/exports.d/koji.exports */
export const EXPORTS_NAME = "koji";

/**
 * Numeric: the NFS server runs no httpd and needs no apache account; NFS carries numbers, and
 * every client that uses the tree has apache = 48 (common.ts). The top directory is owned by
 * 48 too: the packaged kojihub.conf serves it with SymLinksIfOwnerMatch (docs/pitfalls.md#pitfall-7).
 */
const APACHE_TREE: Ownership = { mode: "0755", owner: APACHE_ID, group: APACHE_ID };

/** exports(5) options of one client, or undefined if the host does not use the tree. */
export function exportOptionsFor(farm: Farm, host: ResolvedHost): string[] | undefined {
  if (!usesTree(host)) return undefined;
  const writes = writesTree(host);
  return [writes ? "rw" : "ro", ...farm.fleet.koji.nfs.exportOptions, writes ? "no_root_squash" : "root_squash"];
}

/** Clients in host-name order (the fleet's order), so adding a builder appends nothing else. */
export const exportClients = (farm: Farm) =>
  farm.fleet.hosts.flatMap((h) => {
    const options = exportOptionsFor(farm, h);
    return options ? [{ host: h.address, options }] : [];
  });

export function nfsPart(farm: Farm, _host: ResolvedHost): RolePart {
  const topdir = farm.fleet.koji.topdir;
  const tree = [directory(topdir, APACHE_TREE), ...TOPDIR_SUBDIRS.map((d) => directory(`${topdir}/${d}`, APACHE_TREE))];
  return {
    packages: ["nfs-utils"],
    firewall: ["nfs"],
    resources: [
      ...parentDirs(topdir),
      ...tree,
      res("nfs-export", topdir, { path: topdir, file: EXPORTS_NAME, clients: exportClients(farm) }, { requires: tree.map((d) => d.id), notifies: [] }),
      service("nfs-server.service"),
    ],
    probes: [pathProbe(`${topdir}/repos`, "directory")],
  };
}
