// The only code that touches the filesystem. Kinds observe and change files through this
// interface, so tests run them against real temp directories and nothing else writes.
// Nothing here follows symlinks: lstat, lchown, and rename replace a link, never its target.
import { randomBytes } from "node:crypto";
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, readlinkSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { resolveGroupId, resolveUserId } from "./accounts.js";
import { processLocalPaths, type LocalPaths } from "./local-paths.js";

export type FileType = "file" | "directory" | "symlink" | "other";

export interface FileStat {
  type: FileType;
  /** Permission bits including setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
}

export interface WriteOptions {
  mode: number;
  uid?: number;
  gid?: number;
}

export interface Files {
  /** null when nothing is at `path`. */
  lstat(path: string): Promise<FileStat | null>;
  /** null when absent. */
  readFile(path: string): Promise<Buffer | null>;
  /** The link's target, null when absent. */
  readlink(path: string): Promise<string | null>;
  /** Temp file in the same directory with mode/owner set and fsynced, then renamed over `path`. */
  writeFileAtomic(path: string, data: string | Uint8Array, opts: WriteOptions): Promise<void>;
  /** One level; `mode` is applied exactly (the umask does not apply). */
  mkdir(path: string, mode: number): Promise<void>;
  /** Follows symlinks: callers chmod only what lstat showed is a file or directory. */
  chmod(path: string, mode: number): Promise<void>;
  /** Does not follow symlinks; -1 leaves that id unchanged. */
  chown(path: string, uid: number, gid: number): Promise<void>;
  /** Creates or atomically replaces the symlink `path` → `target`. */
  symlink(target: string, path: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Only an empty directory. */
  rmdir(path: string): Promise<void>;
  /** User name (or numeric string) → uid, from this machine's /etc/passwd. */
  userId(name: string): Promise<number>;
  /** Group name (or numeric string) → gid, from this machine's /etc/group. */
  groupId(name: string): Promise<number>;
  /** An apply ran (it may have mounted something, or put a symlink where a directory was): which paths are local is judged afresh. */
  applied(): void;
}

export class FilesError extends Error {
  override name = "FilesError";
}

export class PathError extends Error {
  override name = "PathError";
}

/**
 * Maps a catalog path onto the managed root ("/" in production, a temp dir in sandbox).
 * Refuses relative paths and any `..` segment, so a catalog can never reach outside the root.
 * (Symlinks inside the root that point outside it are not chased here.)
 */
export function resolveUnderRoot(root: string, absPath: string): string {
  if (!path.isAbsolute(root)) throw new PathError(`root '${root}' is not an absolute path`);
  if (!absPath.startsWith("/")) throw new PathError(`'${absPath}' is not an absolute path`);
  if (absPath.includes("\0")) throw new PathError(`'${absPath.replace(/\0/g, "\\0")}' contains a NUL byte`);
  if (absPath.split("/").includes("..")) throw new PathError(`'${absPath}' contains '..'`);
  return path.join(root, path.normalize(absPath));
}

const isNotFound = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === "ENOENT";

function typeOf(st: import("node:fs").Stats): FileType {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "directory";
  if (st.isSymbolicLink()) return "symlink";
  return "other";
}

/** A sibling name nobody else uses: hidden, so globs like *.conf never pick it up. */
const tempSibling = (target: string): string =>
  path.join(path.dirname(target), `.${path.basename(target)}.kf-tmp-${process.pid}-${randomBytes(4).toString("hex")}`);

async function orNull<T>(op: Promise<T>): Promise<T | null> {
  try {
    return await op;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

function orNullSync<T>(op: () => T): T | null {
  try {
    return op();
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/** Larger files are read asynchronously even on a local disk: one read must not hold the loop long. */
const SYNC_READ_MAX_BYTES = 1 << 20;

/**
 * A plain file of at most 1 MiB, read synchronously; undefined for anything else (read it
 * asynchronously). Opened without following a symlink and without waiting on a FIFO, then
 * checked by its descriptor, so nothing swapped in after the check is read.
 */
function readSmallFileSync(p: string): Buffer | null | undefined {
  let fd: number;
  try {
    fd = openSync(p, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if (isNotFound(err)) return null;
    if ((err as NodeJS.ErrnoException).code === "ELOOP") return undefined;
    throw err;
  }
  try {
    const st = fstatSync(fd);
    return st.isFile() && st.size <= SYNC_READ_MAX_BYTES ? readFileSync(fd) : undefined;
  } finally {
    closeSync(fd);
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Temp siblings of `target` left by an agent that died mid-write (another pid): debris, not state. */
async function removeStaleTemps(target: string): Promise<void> {
  const prefix = `.${path.basename(target)}.kf-tmp-`;
  const mine = `${prefix}${process.pid}-`;
  const names = await fs.readdir(path.dirname(target)).catch(() => [] as string[]);
  for (const name of names) if (name.startsWith(prefix) && !name.startsWith(mine)) await fs.rm(path.join(path.dirname(target), name), { force: true });
}

async function writeFileAtomic(target: string, data: string | Uint8Array, opts: WriteOptions): Promise<void> {
  const temp = tempSibling(target);
  try {
    // 0600 until the wanted mode is set, so secret content is never readable by others.
    const handle = await fs.open(temp, "wx", 0o600);
    try {
      await handle.writeFile(data);
      if (opts.uid !== undefined || opts.gid !== undefined) await handle.chown(opts.uid ?? -1, opts.gid ?? -1);
      // chmod after chown: chown(2) clears setuid/setgid bits.
      await handle.chmod(opts.mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw new FilesError(`cannot write ${target}: ${(err as Error).message}`, { cause: err });
  }
  await fsyncDir(path.dirname(target));
}

async function symlinkAtomic(target: string, link: string): Promise<void> {
  const temp = tempSibling(link);
  try {
    await fs.symlink(target, temp);
    await fs.rename(temp, link);
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw new FilesError(`cannot link ${link} → ${target}: ${(err as Error).message}`, { cause: err });
  }
  await fsyncDir(path.dirname(link));
}

/** Reads in local directories are synchronous (agent/providers/local-paths.ts says why); writes never are. */
export function createFiles(opts: { localPaths?: LocalPaths } = {}): Files {
  const local = opts.localPaths ?? processLocalPaths;
  // Debris comes only from processes that died before this one started, so each target's
  // directory is swept at its first write, not at every write (a readdir per converge).
  const swept = new Set<string>();
  return {
    async lstat(p) {
      const st = local.isLocal(p) ? orNullSync(() => lstatSync(p)) : await orNull(fs.lstat(p));
      if (!st) return null;
      return { type: typeOf(st), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: st.size };
    },
    async readFile(p) {
      const data = local.isLocal(p) ? readSmallFileSync(p) : undefined;
      return data !== undefined ? data : orNull(fs.readFile(p));
    },
    async readlink(p) {
      return local.isLocal(p) ? orNullSync(() => readlinkSync(p)) : orNull(fs.readlink(p));
    },
    async writeFileAtomic(target, data, opts) {
      if (!swept.has(target)) {
        await removeStaleTemps(target);
        swept.add(target);
      }
      await writeFileAtomic(target, data, opts);
    },
    async mkdir(p, mode) {
      await fs.mkdir(p, { mode });
      await fs.chmod(p, mode); // mkdir(2) masks the mode with the umask
    },
    chmod: (p, mode) => fs.chmod(p, mode),
    chown: (p, uid, gid) => fs.lchown(p, uid, gid),
    symlink: symlinkAtomic,
    unlink: (p) => fs.unlink(p),
    rmdir: (p) => fs.rmdir(p),
    userId: (name) => resolveUserId(name),
    groupId: (name) => resolveGroupId(name),
    applied: () => local.invalidate(),
  };
}
