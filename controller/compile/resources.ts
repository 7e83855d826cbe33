// The resource envelope (`kind:<natural key>` ids, sorted edges), the file-like builders, and
// the assembler that turns a host's role parts into its catalog content. The ordering rules
// that hold for every host live here, in one place, instead of being repeated by each role.
import { posix } from "node:path";
import { canonicalJson } from "../../shared/canonical.js";
import type { CatalogContent, Probe, Resource } from "../../shared/protocol.js";

/** A user/group name resolved on the host, or a numeric id as a string where the name may not exist there. */
export type Owner = string;

export interface Ownership {
  /** Octal permission string, e.g. "0644" (as the agent reports it in diffs). */
  readonly mode: string;
  readonly owner?: Owner;
  readonly group?: Owner;
}

export interface Edges {
  readonly requires?: readonly string[];
  readonly notifies?: readonly string[];
  readonly timeoutSeconds?: number;
}

/** What one role (or the common part) contributes to a host. */
export interface RolePart {
  readonly resources: readonly Resource[];
  readonly probes: readonly Probe[];
  /** RPMs the role needs; merged into the host's one `package:roles` transaction. */
  readonly packages?: readonly string[];
  /** firewalld services the role serves; merged into the host's one `firewall:public`. */
  readonly firewall?: readonly string[];
}

export const ROOT_CONFIG: Ownership = { mode: "0644", owner: "root", group: "root" };
export const ROOT_DIR: Ownership = { mode: "0755", owner: "root", group: "root" };
/** Readable by httpd's workers (they drop to apache), e.g. hub.conf and kojiweb.pem. */
export const APACHE_READABLE: Ownership = { mode: "0640", owner: "root", group: "apache" };

const sorted = (ids: readonly string[] | undefined): string[] => [...new Set(ids ?? [])].sort();

export const res = (kind: string, key: string, props: Record<string, unknown>, edges: Edges = {}): Resource => ({
  id: `${kind}:${key}`,
  kind,
  props,
  requires: sorted(edges.requires),
  notifies: sorted(edges.notifies),
  ...(edges.timeoutSeconds !== undefined && { timeoutSeconds: edges.timeoutSeconds }),
});

export const file = (path: string, content: string, own: Ownership = ROOT_CONFIG, edges?: Edges): Resource => res("file", path, { path, content, ...own }, edges);
export const directory = (path: string, own: Ownership = ROOT_DIR, edges?: Edges): Resource => res("directory", path, { path, ...own }, edges);
export const symlink = (path: string, target: string): Resource => res("symlink", path, { path, target });

export const pathProbe = (path: string, type: "file" | "directory" | "symlink"): Probe => ({
  id: `path:${path}`,
  kind: "path",
  props: { path, type },
});

/**
 * Directories every host has, or that belong to someone else (the agent's own state directory),
 * so they are never managed and pruning can never touch them.
 */
const SYSTEM_DIRS = new Set([
  "/", "/etc", "/mnt", "/srv", "/opt", "/home", "/root", "/tmp", "/run", "/usr", "/usr/local", "/usr/local/bin",
  "/var", "/var/lib", "/var/log", "/var/tmp", "/etc/pki", "/etc/pki/ca-trust", "/etc/pki/ca-trust/source",
  "/etc/pki/ca-trust/source/anchors", "/var/lib/koji-fleet",
]);

/** Root-owned 0755 directories for every non-system ancestor of `path`, outermost first. */
export function parentDirs(path: string): Resource[] {
  const parent = posix.dirname(path);
  return SYSTEM_DIRS.has(parent) || parent === path ? [] : [...parentDirs(parent), directory(parent)];
}

/** A file plus the directories above it (identical duplicates across roles are merged by assemble). */
export const fileIn = (path: string, content: string, own?: Ownership, edges?: Edges): Resource[] => [...parentDirs(path), file(path, content, own, edges)];

export const PACKAGES_ID = "package:roles";
export const REPOS_ID = "package:epel";
export const FIREWALL_ID = "firewall:public";
/** The farm's names in /etc/hosts (fleet.nameResolution: hosts). */
export const NAMES_ID = "hosts-entries:/etc/hosts";
/** Kinds that reach other hosts by their farm names: the NFS server, the hub, the database. */
const USES_NAMES = new Set(["mount", "service"]);
/** Kinds that never wait for packages: dnf sets them up, gates open from outside, /etc/hosts comes with every system. */
const BEFORE_PACKAGES = new Set(["package", "gate", "hosts-entries"]);

/**
 * EPEL (koji, mock) needs CRB on EL. The package kind cannot enable a repo that a package of
 * the same resource defines, so epel-release (and CRB) come first, the packages second.
 */
function packageResources(parts: readonly RolePart[]): Resource[] {
  const names = [...new Set(parts.flatMap((p) => p.packages ?? []))].sort();
  if (names.length === 0) return [];
  return [
    res("package", "epel", { packages: [{ name: "epel-release" }], repos: [{ id: "crb", enabled: true }] }, { timeoutSeconds: 1800 }),
    res("package", "roles", { packages: names.map((name) => ({ name })), repos: [{ id: "epel", enabled: true }] }, { requires: [REPOS_ID], timeoutSeconds: 1800 }),
  ];
}

function firewallResources(parts: readonly RolePart[]): Resource[] {
  const services = [...new Set(parts.flatMap((p) => p.firewall ?? []))].sort();
  return services.length === 0 ? [] : [res("firewall", "public", { zone: "public", services })];
}

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function merged<T extends { id: string }>(items: readonly T[], host: string): T[] {
  const out = new Map<string, T>();
  for (const item of items) {
    const seen = out.get(item.id);
    // Two roles on one host may both need e.g. /etc/httpd/conf.d; they must agree on it.
    if (seen && canonicalJson(seen) !== canonicalJson(item)) throw new Error(`${host}: roles disagree about ${item.id}`);
    out.set(item.id, item);
  }
  return [...out.values()].sort(byId);
}

/** Props naming a path whose directory, when the catalog manages it, must exist first. */
const PATH_PROPS = ["path", "file", "keyFile", "certFile", "caFile"] as const;

/**
 * The rules every host follows, so no role can forget them:
 * - packages first: every resource but the package sets, gates and the farm's names requires
 *   `package:roles` (one dnf transaction creates the users, directories and units the rest refers to);
 * - names before use: mounts and services require the farm's names in /etc/hosts, when the
 *   catalog manages them (the NFS server, hub and database are reached by FQDN);
 * - a path resource requires the directory resource of its parent, when the catalog has one;
 * - a service requires whatever notifies it (its config, certificates, drop-ins): it starts
 *   only once everything it reads is in place, and restarts when any of it changes.
 */
export function assemble(host: string, roles: readonly string[], parts: readonly RolePart[]): CatalogContent {
  const resources = merged([...parts.flatMap((p) => p.resources), ...packageResources(parts), ...firewallResources(parts)], host);
  const ids = new Set(resources.map((r) => r.id));
  const notifiers = new Map<string, string[]>();
  for (const r of resources) for (const target of r.notifies) notifiers.set(target, [...(notifiers.get(target) ?? []), r.id]);
  const withRules = resources.map((r) => {
    const extra: string[] = [];
    if (!BEFORE_PACKAGES.has(r.kind) && ids.has(PACKAGES_ID)) extra.push(PACKAGES_ID);
    if (USES_NAMES.has(r.kind) && ids.has(NAMES_ID)) extra.push(NAMES_ID);
    for (const key of PATH_PROPS) {
      const value = r.props[key];
      if (typeof value !== "string" || value === "/") continue;
      const parent = `directory:${posix.dirname(value)}`;
      if (ids.has(parent) && parent !== r.id) extra.push(parent);
    }
    if (r.kind === "service") extra.push(...(notifiers.get(r.id) ?? []));
    return extra.every((id) => r.requires.includes(id)) ? r : { ...r, requires: sorted([...r.requires, ...extra]) };
  });
  return { host, roles: [...roles], resources: withRules, probes: merged(parts.flatMap((p) => p.probes), host) };
}
