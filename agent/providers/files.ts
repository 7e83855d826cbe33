// The only code that touches the filesystem. Kinds observe and change files through this
// interface, so tests run them against real temp directories and nothing else writes.
// Every operation reaches its path through safe-walk.ts: each directory on the way is opened by
// descriptor and acted in through it, no symlink a non-root user could have planted is
// followed, and the last component is never followed (a link there is read, replaced or
// removed as the link itself). Modes and owners change on a descriptor whose inode is the one
// the caller observed.
import { randomBytes } from "node:crypto";
import { readFileSync, type Stats } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { resolveGroupId, resolveUserId } from "./accounts.js";
import { processLocalPaths, type LocalPaths } from "./local-paths.js";
import {
  FilesError, HANDLE_FLAGS, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_RDONLY, O_WRONLY, UnsafePathError,
  AGENT_UID, TrustedDirs, asyncOps, errnoOf, fdPath, openLeaf, openParent, syncOps, type Leaf, type WalkOps,
} from "./safe-walk.js";

export { FilesError, UnsafePathError };

export type FileType = "file" | "directory" | "symlink" | "other";

export interface FileStat {
  type: FileType;
  /** Permission bits including setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /**
   * Identity of what was observed: setAttributes acts only on it. ctime too, because a file
   * deleted and made anew may get the same inode number.
   */
  dev: number;
  ino: number;
  ctimeMs: number;
}

export interface WriteOptions {
  mode: number;
  uid?: number;
  gid?: number;
}

/** Mode and owner to set; -1 (or absent) leaves that id unchanged. */
export interface Attributes {
  mode: number;
  uid?: number;
  gid?: number;
}

export interface Files {
  /** null when nothing is at `path`. A symlink at `path` is reported as one, never followed. */
  lstat(path: string): Promise<FileStat | null>;
  /**
   * A regular file's content, null when absent. A symlink at `path` is a UnsafePathError,
   * unless followTrustedLinks (system files such as /etc/os-release, never managed ones).
   */
  readFile(path: string, opts?: { followTrustedLinks?: boolean }): Promise<Buffer | null>;
  /** The link's target, null when absent. */
  readlink(path: string): Promise<string | null>;
  /** Temp file created exclusively in the parent, mode/owner set and fsynced, then renamed over `path`. */
  writeFileAtomic(path: string, data: string | Uint8Array, opts: WriteOptions): Promise<void>;
  /** One level, with exactly `attrs` (the umask does not apply). */
  mkdir(path: string, attrs: Attributes): Promise<void>;
  /** Sets mode and owner of the file or directory `observed` described; fails if `path` is another inode now. */
  setAttributes(path: string, observed: FileStat, attrs: Attributes): Promise<void>;
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

export class PathError extends Error {
  override name = "PathError";
}

/**
 * Maps a catalog path onto the managed root ("/" in production, a temp dir in sandbox).
 * Refuses relative paths and any `..` segment, so a catalog can never reach outside the root.
 */
export function resolveUnderRoot(root: string, absPath: string): string {
  if (!path.isAbsolute(root)) throw new PathError(`root '${root}' is not an absolute path`);
  if (!absPath.startsWith("/")) throw new PathError(`'${absPath}' is not an absolute path`);
  if (absPath.includes("\0")) throw new PathError(`'${absPath.replace(/\0/g, "\\0")}' contains a NUL byte`);
  if (absPath.split("/").includes("..")) throw new PathError(`'${absPath}' contains '..'`);
  return path.join(root, path.normalize(absPath));
}

function typeOf(st: Stats): FileType {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "directory";
  if (st.isSymbolicLink()) return "symlink";
  return "other";
}

const toFileStat = (st: Stats): FileStat => ({ type: typeOf(st), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: st.size, dev: st.dev, ino: st.ino, ctimeMs: st.ctimeMs });

/** A sibling name nobody else uses: hidden, so globs like *.conf never pick it up. */
const tempName = (name: string): string => `.${name}.kf-tmp-${process.pid}-${randomBytes(4).toString("hex")}`;

/** Larger files are read asynchronously even on a local disk: one read must not hold the loop long. */
const SYNC_READ_MAX_BYTES = 1 << 20;

/** Runs `op` on the parent of `p` and closes it; `missing` answers when a directory on the way does not exist. */
async function inParentOr<T, M>(ops: WalkOps, known: TrustedDirs, p: string, missing: () => M, op: (leaf: Leaf) => Promise<T>): Promise<T | M> {
  const leaf = await openParent(ops, p, null, known);
  if (!leaf) return missing();
  try {
    return await op(leaf);
  } finally {
    await ops.close(leaf.dir);
  }
}

/** For reads: a missing directory on the way means nothing is there (null). */
const inParent = <T>(ops: WalkOps, known: TrustedDirs, p: string, op: (leaf: Leaf) => Promise<T>): Promise<T | null> => inParentOr(ops, known, p, () => null, op);

/** For writes: a missing directory on the way is ENOENT. */
const inExistingParent = <T>(ops: WalkOps, known: TrustedDirs, p: string, op: (leaf: Leaf) => Promise<T>): Promise<T> =>
  inParentOr(ops, known, p, () => {
    throw Object.assign(new FilesError(`a directory on the way to ${p} does not exist`), { code: "ENOENT" });
  }, op);

const orNull = async <T>(op: () => T | Promise<T>): Promise<T | null> => {
  try {
    return await op();
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return null;
    throw err;
  }
};

async function fsyncDir(dir: number): Promise<void> {
  // An O_PATH descriptor cannot be fsynced: reopen the same directory through it.
  const handle = await fs.open(fdPath(dir), O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Sets owner then mode on the object open as `fd` (chown(2) clears setuid/setgid, so chmod comes last). */
async function applyAttributes(fd: number, attrs: Attributes): Promise<void> {
  const uid = attrs.uid ?? -1;
  const gid = attrs.gid ?? -1;
  if (uid !== -1 || gid !== -1) await fs.chown(fdPath(fd), uid, gid);
  await fs.chmod(fdPath(fd), attrs.mode);
}

/** Temp siblings of `name` left by an agent that died mid-write (another pid): debris, not state. */
async function removeStaleTemps({ dir, name }: Leaf): Promise<void> {
  const prefix = `.${name}.kf-tmp-`;
  const mine = `${prefix}${process.pid}-`;
  const names = await fs.readdir(fdPath(dir)).catch(() => [] as string[]);
  for (const n of names) if (n.startsWith(prefix) && !n.startsWith(mine)) await fs.unlink(fdPath(dir, n)).catch(() => undefined);
}

async function writeAtomic({ dir, name }: Leaf, data: string | Uint8Array, opts: WriteOptions): Promise<void> {
  const temp = fdPath(dir, tempName(name));
  try {
    // Created exclusively, 0600 until the wanted mode is set, so secret content is never readable by others.
    const handle = await fs.open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    try {
      await handle.writeFile(data);
      await applyAttributes(handle.fd, opts);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, fdPath(dir, name));
  } catch (err) {
    await fs.unlink(temp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dir);
}

async function symlinkAtomic({ dir, name }: Leaf, target: string): Promise<void> {
  const temp = fdPath(dir, tempName(name));
  try {
    await fs.symlink(target, temp);
    await fs.rename(temp, fdPath(dir, name));
  } catch (err) {
    await fs.unlink(temp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dir);
}

/** The handle of `name` in `dir`, checked to be the inode observed and a file or directory. */
async function openObserved(ops: WalkOps, { dir, name }: Leaf, p: string, observed: FileStat): Promise<number> {
  const fd = await ops.open(fdPath(dir, name), HANDLE_FLAGS);
  try {
    const st = await ops.fstat(fd);
    if (st.isSymbolicLink()) throw new UnsafePathError(`${p} is a symlink now; refusing to change it`);
    if (st.dev !== observed.dev || st.ino !== observed.ino || st.ctimeMs !== observed.ctimeMs || typeOf(st) !== observed.type) {
      throw new UnsafePathError(`${p} was replaced since it was observed; not changing it`);
    }
    return fd;
  } catch (err) {
    await ops.close(fd);
    throw err;
  }
}

/** Wraps an error with the path it concerns, keeping its code; refusals pass as they are. */
const failure = (what: string, err: unknown): Error =>
  err instanceof UnsafePathError ? err : Object.assign(new FilesError(`${what}: ${(err as Error).message}`, { cause: err }), { code: errnoOf(err) });

/**
 * Reads in local directories are synchronous (agent/providers/local-paths.ts says why), and so is
 * the walk to what a write changes there (opening directories by descriptor reads); the change
 * itself (create, write, sync, rename, remove, chmod) never is.
 */
export function createFiles(opts: { localPaths?: LocalPaths } = {}): Files {
  const local = opts.localPaths ?? processLocalPaths;
  const walkOps = (p: string): WalkOps => (local.isLocal(p) ? syncOps : asyncOps);
  // Debris comes only from processes that died before this one started, so each target's
  // directory is swept at its first write, not at every write (a readdir per converge).
  const swept = new Set<string>();
  const known = new TrustedDirs();

  async function readFile(p: string, followTrustedLinks = false): Promise<Buffer | null> {
    const ops = walkOps(p);
    // O_NONBLOCK: a FIFO swapped in is opened without waiting for a writer, then refused by type.
    const fd = await openLeaf(ops, p, O_RDONLY | O_NONBLOCK, followTrustedLinks, known);
    if (fd === null) return null;
    try {
      const st = await ops.fstat(fd);
      if (!st.isFile()) throw new FilesError(`${p} is not a regular file`);
      if (ops === syncOps && st.size <= SYNC_READ_MAX_BYTES) return readFileSync(fd);
      const handle = await fs.open(fdPath(fd), O_RDONLY);
      try {
        return await handle.readFile();
      } finally {
        await handle.close();
      }
    } finally {
      await ops.close(fd);
    }
  }

  return {
    async lstat(p) {
      const ops = walkOps(p);
      const st = await inParent(ops, known, p, ({ dir, name }) => orNull(() => ops.lstat(fdPath(dir, name))));
      return st ? toFileStat(st) : null;
    },
    readFile: (p, o) => readFile(p, o?.followTrustedLinks),
    async readlink(p) {
      const ops = walkOps(p);
      return inParent(ops, known, p, ({ dir, name }) => orNull(() => ops.readlink(fdPath(dir, name))));
    },
    async writeFileAtomic(target, data, o) {
      try {
        await inExistingParent(walkOps(target), known, target, async (leaf) => {
          if (!swept.has(target)) {
            await removeStaleTemps(leaf);
            swept.add(target);
          }
          await writeAtomic(leaf, data, o);
        });
      } catch (err) {
        throw failure(`cannot write ${target}`, err);
      }
    },
    async mkdir(p, attrs) {
      const ops = walkOps(p);
      await inExistingParent(ops, known, p, async ({ dir, name }) => {
        await fs.mkdir(fdPath(dir, name), 0o700);
        const fd = await ops.open(fdPath(dir, name), HANDLE_FLAGS);
        try {
          // Only a directory this process just made gets the declared mode and owner.
          const st = await ops.fstat(fd);
          if (!st.isDirectory() || st.uid !== AGENT_UID) throw new UnsafePathError(`${p} was replaced right after it was created; not changing it`);
          await applyAttributes(fd, attrs);
        } finally {
          await ops.close(fd);
        }
      });
    },
    async setAttributes(p, observed, attrs) {
      const ops = walkOps(p);
      await inExistingParent(ops, known, p, async (leaf) => {
        const fd = await openObserved(ops, leaf, p, observed);
        try {
          await applyAttributes(fd, attrs);
        } finally {
          await ops.close(fd);
        }
      });
    },
    async symlink(target, link) {
      try {
        await inExistingParent(walkOps(link), known, link, (leaf) => symlinkAtomic(leaf, target));
      } catch (err) {
        throw failure(`cannot link ${link} → ${target}`, err);
      }
    },
    unlink: (p) => inExistingParent(walkOps(p), known, p, ({ dir, name }) => fs.unlink(fdPath(dir, name))),
    rmdir: (p) => inExistingParent(walkOps(p), known, p, ({ dir, name }) => fs.rmdir(fdPath(dir, name))),
    userId: (name) => resolveUserId(name),
    groupId: (name) => resolveGroupId(name),
    applied: () => local.invalidate(),
  };
}
