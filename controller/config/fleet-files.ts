// The files of a desired-state repository, as the loader reads them: fleet.yaml and the files its
// `koji.content.include` globs name. One interface over a git revision (the controller) and a
// directory (the CLI); matching is pure and shared, so both see the same files.
import { readdirSync, readFileSync } from "node:fs";
import { posix } from "node:path";
import type { LocatedDocument } from "../../shared/yaml-config.js";

/** What the loader needs of a repository, synchronously (the async readers fill one first). */
export interface RepoFiles {
  /** Paths of the regular files directly in `dir` ("" = the repository's root), as `dir/name`. */
  list(dir: string): readonly string[];
  read(path: string): Uint8Array | null;
}

/** The same, asynchronously: a git revision or a directory. */
export interface FleetFiles {
  list(dir: string): Promise<readonly string[]>;
  read(path: string): Promise<Uint8Array | null>;
}

/** More included files than this is a mistake (a glob over the wrong directory), not a farm. */
export const MAX_INCLUDED_FILES = 200;

const joinPath = (dir: string, name: string): string => (dir === "" || dir === "." ? name : posix.join(dir, name));

/** The directory an include pattern lists, relative to the repository: wildcards only in the file name. */
export function includeDir(fleetFile: string, pattern: string): string {
  const dir = posix.dirname(pattern);
  return posix.normalize(joinPath(posix.dirname(fleetFile), dir === "." ? "" : dir)).replace(/^\.$/, "");
}

function globRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]");
  return new RegExp(`^${body}$`);
}

/** The files `pattern` names among `listing` (the paths in its directory), sorted, never fleet.yaml itself. */
export function matchInclude(fleetFile: string, pattern: string, listing: readonly string[]): string[] {
  const re = globRegExp(posix.basename(pattern));
  const self = posix.normalize(fleetFile);
  return listing.filter((p) => posix.normalize(p) !== self && re.test(posix.basename(p))).sort();
}

/** `koji.content.include` of fleet.yaml's parsed document, or [] when it cannot be read (the loader reports why). */
export function includePatterns(doc: LocatedDocument): string[] {
  try {
    const include = (doc.toJS() as { koji?: { content?: { include?: unknown } } } | null)?.koji?.content?.include;
    return Array.isArray(include) ? include.filter((p): p is string => typeof p === "string") : [];
  } catch {
    return [];
  }
}

/** Reads the files these include patterns name from an async source into a RepoFiles the loader can use. */
export async function prefetchIncludes(files: FleetFiles, fleetFile: string, patterns: readonly string[]): Promise<RepoFiles> {
  const listings = new Map<string, readonly string[]>();
  const contents = new Map<string, Uint8Array | null>();
  for (const pattern of patterns) {
    const dir = includeDir(fleetFile, pattern);
    if (!listings.has(dir)) listings.set(dir, await files.list(dir).catch(() => []));
    for (const path of matchInclude(fleetFile, pattern, listings.get(dir) ?? [])) {
      if (contents.size >= MAX_INCLUDED_FILES + 1) break;
      if (!contents.has(path)) contents.set(path, await files.read(path));
    }
  }
  return { list: (dir) => listings.get(dir) ?? [], read: (path) => contents.get(path) ?? null };
}

/** A directory on disk, read synchronously; paths are as given (relative to the working directory, or absolute). */
export const filesOnDisk: RepoFiles = {
  list(dir) {
    try {
      return readdirSync(dir === "" ? "." : dir, { withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => joinPath(dir, e.name));
    } catch {
      return [];
    }
  },
  read(path) {
    try {
      return readFileSync(path);
    } catch {
      return null;
    }
  },
};
