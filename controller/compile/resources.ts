// Constructors for the resource and probe kinds this stage emits (file, directory, symlink; path
// probes) and the assembler that turns role parts into one host's catalog content.
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

export interface RolePart {
  readonly resources: readonly Resource[];
  readonly probes: readonly Probe[];
}

const ROOT_CONFIG: Ownership = { mode: "0644", owner: "root", group: "root" };
export const ROOT_DIR: Ownership = { mode: "0755", owner: "root", group: "root" };

const resource = (kind: string, path: string, props: Record<string, unknown>): Resource => ({
  id: `${kind}:${path}`,
  kind,
  props: { path, ...props },
  requires: [],
  notifies: [],
});

export const file = (path: string, content: string, own: Ownership = ROOT_CONFIG): Resource => resource("file", path, { content, ...own });
export const directory = (path: string, own: Ownership = ROOT_DIR): Resource => resource("directory", path, { ...own });
export const symlink = (path: string, target: string): Resource => resource("symlink", path, { target });

export const pathProbe = (path: string, type: "file" | "directory" | "symlink"): Probe => ({
  id: `path:${path}`,
  kind: "path",
  props: { path, type },
});

/** Directories every host has; never managed, so pruning can never touch them. */
const SYSTEM_DIRS = new Set(["/", "/etc", "/mnt", "/srv", "/opt", "/home", "/tmp", "/run", "/usr", "/usr/local", "/usr/local/bin", "/var", "/var/lib", "/var/log", "/var/tmp"]);

/** Root-owned 0755 directories for every non-system ancestor of `path`, outermost first. */
export function parentDirs(path: string): Resource[] {
  const parent = posix.dirname(path);
  return SYSTEM_DIRS.has(parent) || parent === path ? [] : [...parentDirs(parent), directory(parent)];
}

/** A file plus the directories above it (identical duplicates across roles are merged by assemble). */
export const fileIn = (path: string, content: string, own?: Ownership): Resource[] => [...parentDirs(path), file(path, content, own)];

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

/**
 * One host's catalog content: duplicates merged, each path resource made to require the
 * directory resource of its parent when the catalog has one, everything sorted by id.
 */
export function assemble(host: string, roles: readonly string[], parts: readonly RolePart[]): CatalogContent {
  const resources = merged(parts.flatMap((p) => p.resources), host);
  const ids = new Set(resources.map((r) => r.id));
  const withParents = resources.map((r) => {
    const path = r.props.path;
    if (typeof path !== "string" || path === "/") return r;
    const parent = `directory:${posix.dirname(path)}`;
    return ids.has(parent) && !r.requires.includes(parent) ? { ...r, requires: [...r.requires, parent].sort() } : r;
  });
  return { host, roles: [...roles], resources: withParents, probes: merged(parts.flatMap((p) => p.probes), host) };
}
