// NFS server: the Koji tree skeleton and its export (koji.md §2.8, §3.3). Client options are
// derived from roles: hub and kojira write (rw), builders only read (ro). kojira runs as root and
// must delete apache-owned repos, so only its export skips root squashing (pitfall 7).
import type { ResolvedHost } from "../../config/defaults.js";
import { APACHE_ID, PATHS, type Farm } from "../farm.js";
import { managedHeader } from "../ini.js";
import { directory, fileIn, parentDirs, pathProbe, type Ownership, type RolePart } from "../resources.js";

/** Subdirectories Koji expects under topdir (server_howto "Koji filesystem skeleton"). */
export const TOPDIR_SUBDIRS = ["packages", "repos", "work", "scratch", "repos-dist"] as const;
export const EXPORTS_FILE = `${PATHS.exportsD}/koji.exports`;

/** Numeric: the NFS server runs no httpd, so it may have no apache user; clients map uid 48 to apache. */
const APACHE_TREE: Ownership = { mode: "0755", owner: APACHE_ID, group: APACHE_ID };

/** exports(5) options of one client, or undefined if the host needs no access to the tree. */
export function exportOptionsFor(farm: Farm, host: ResolvedHost): string[] | undefined {
  const writes = host.roles.includes("hub") || host.roles.includes("kojira");
  if (!writes && !host.roles.includes("builder")) return undefined;
  const squash = host.roles.includes("kojira") ? "no_root_squash" : "root_squash";
  return [writes ? "rw" : "ro", ...farm.fleet.koji.nfs.exportOptions, squash];
}

export function exportsFile(farm: Farm): string {
  const clients = farm.fleet.hosts.flatMap((h) => {
    const options = exportOptionsFor(farm, h);
    return options ? [`    ${h.address}(${options.join(",")})`] : [];
  });
  const header = managedHeader("rw: hub and kojira (kojira without root squashing), ro: builders; clients in host-name order");
  return `${header}${farm.fleet.koji.topdir} \\\n${clients.join(" \\\n")}\n`;
}

export function nfsPart(farm: Farm, _host: ResolvedHost): RolePart {
  const topdir = farm.fleet.koji.topdir;
  return {
    resources: [
      ...parentDirs(topdir),
      directory(topdir, APACHE_TREE),
      ...TOPDIR_SUBDIRS.map((d) => directory(`${topdir}/${d}`, APACHE_TREE)),
      ...fileIn(EXPORTS_FILE, exportsFile(farm)),
    ],
    probes: [pathProbe(`${topdir}/repos`, "directory"), pathProbe(EXPORTS_FILE, "file")],
  };
}
