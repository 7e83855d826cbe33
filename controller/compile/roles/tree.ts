// The Koji tree (koji.topdir) on the hosts that use it (docs/pitfalls.md#pitfall-7): an NFSv4 mount
// from the nfs host, rw where hub or kojira run, ro on builders, and a RequiresMountsFor drop-in
// per daemon so systemd never starts httpd, kojira or kojid on an empty mountpoint. Built from the
// host's roles, so roles sharing a host emit the identical mount.
import type { Resource } from "../../../shared/protocol.js";
import type { ResolvedHost } from "../../config/defaults.js";
import { treeIsLocal, writesTree, type Farm } from "../farm.js";
import { dropin, dropinId, mount } from "../kinds.js";
import { managedHeader } from "../ini.js";

export const treeMountId = (farm: Farm): string => `mount:${farm.fleet.koji.topdir}`;

/** fstab options: `hard` (never return I/O errors to kojid mid-build), `_netdev` (after the network). */
export const treeMountOptions = (host: ResolvedHost): string => `${writesTree(host) ? "rw" : "ro"},hard,_netdev`;

export function treeMount(farm: Farm, host: ResolvedHost): Resource[] {
  if (treeIsLocal(host)) return [];
  const { topdir } = farm.fleet.koji;
  return [mount(topdir, `${farm.nfs.fqdn}:${topdir}`, treeMountOptions(host))];
}

/** The mount plus `unit`'s drop-in; returns the ids the unit's service must require. */
export function treeFor(farm: Farm, host: ResolvedHost, unit: string): { resources: Resource[]; requires: string[] } {
  const content = `${managedHeader(`${unit} needs the Koji tree mounted (koji.md §2.8).`)}[Unit]\nRequiresMountsFor=${farm.fleet.koji.topdir}\n`;
  const mounts = treeMount(farm, host);
  return { resources: [...mounts, dropin(unit, content)], requires: [...mounts.map((m) => m.id), dropinId(unit)] };
}

