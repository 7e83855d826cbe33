// Path resolution for an agent that runs as root among users it does not trust. A path is
// opened one component at a time, each step by descriptor (`/proc/self/fd/N/name` is
// openat(N, name)), so no name is looked up twice and a directory swapped for a symlink after
// a check is never followed. A symlink is followed only where nobody but root (or the agent's
// own user) could have put it: see trustedLink. The last component is never followed unless
// the caller asks for trusted links (system files such as /etc/os-release).
import * as fs from "node:fs";
import { promisify } from "node:util";

/** Linux's O_PATH (not exported by Node): a handle for lookups, no read permission needed. */
const O_PATH = 0o10000000;
export const { O_NOFOLLOW, O_NONBLOCK, O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_DIRECTORY } = fs.constants;
export const HANDLE_FLAGS = O_PATH | O_NOFOLLOW;
const DIR_FLAGS = O_PATH | O_DIRECTORY | O_NOFOLLOW;
const PROC_SUPER_MAGIC = 0x9fa0;
/** Linux's own limit on symlinks in one lookup. */
const MAX_LINKS = 40;

/** `name` inside the directory open as `fd`, or that descriptor's own object. */
export const fdPath = (fd: number, name?: string): string => (name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`);

export class FilesError extends Error {
  override name = "FilesError";
}

/**
 * A symlink where the agent will not follow one, or an object swapped in since it was
 * observed: the path and why are in the message. Someone on the host may be trying to turn
 * the agent, so it is reported as a security event (agent/daemon/transitions.ts).
 */
export class UnsafePathError extends FilesError {
  override name = "UnsafePathError";
  readonly code = "KF_ERR_UNSAFE_PATH";
}

/** The few calls a walk makes: synchronous on local filesystems, asynchronous elsewhere. */
export interface WalkOps {
  open(p: string, flags: number): number | Promise<number>;
  close(fd: number): void | Promise<void>;
  fstat(fd: number): fs.Stats | Promise<fs.Stats>;
  lstat(p: string): fs.Stats | Promise<fs.Stats>;
  readlink(p: string): string | Promise<string>;
  /** The filesystem type (statfs f_type) of the object at `p`. */
  fsType(p: string): number | Promise<number>;
}

export const syncOps: WalkOps = {
  open: (p, flags) => fs.openSync(p, flags),
  close: (fd) => fs.closeSync(fd),
  fstat: (fd) => fs.fstatSync(fd),
  lstat: (p) => fs.lstatSync(p),
  readlink: (p) => fs.readlinkSync(p),
  fsType: (p) => fs.statfsSync(p).type,
};

const openAsync = promisify(fs.open);
const closeAsync = promisify(fs.close);
const fstatAsync = promisify(fs.fstat);
export const asyncOps: WalkOps = {
  open: (p, flags) => openAsync(p, flags),
  close: (fd) => closeAsync(fd),
  fstat: (fd) => fstatAsync(fd),
  lstat: (p) => fs.promises.lstat(p),
  readlink: (p) => fs.promises.readlink(p),
  fsType: async (p) => (await fs.promises.statfs(p)).type,
};

/** The agent's own user: root on a host, the developer in `koji-fleet up`. */
export const AGENT_UID = process.geteuid?.() ?? 0;
const trustedOwner = (uid: number): boolean => uid === 0 || uid === AGENT_UID;

/**
 * A link its directory's owner and root alone could have made or swapped: the directory and the
 * link belong to root (or the agent's user) and the directory is not writable by others, or is
 * sticky (others cannot rename or remove an entry they do not own).
 */
export function trustedLink(dir: { uid: number; mode: number }, link: { uid: number }): boolean {
  return changedOnlyByOwner(dir) && trustedOwner(link.uid);
}

/** Root's (or the agent's) directory in which nobody else can add, rename or remove an entry of root's. */
const changedOnlyByOwner = (dir: { uid: number; mode: number }): boolean =>
  trustedOwner(dir.uid) && ((dir.mode & 0o022) === 0 || (dir.mode & 0o1000) !== 0);

export const errnoOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;

/** An open directory and one name in it: what every operation on a path acts through. */
export interface Leaf {
  dir: number;
  name: string;
}

const components = (p: string): string[] => p.split("/").filter((c) => c !== "" && c !== ".");

const trustedDir = (st: fs.Stats): boolean => st.isDirectory() && changedOnlyByOwner(st);

/**
 * Directories only root (or the agent's user) can change, reached from `/` through such
 * directories alone, by path, with the identity they had. A walk starts at the deepest one it
 * knows, opened by path: whatever that path resolves through, it is used only when it is still
 * the same inode and still root's alone, so nothing another user controls is trusted by name.
 * This spares a walk the steps from `/` to /etc/koji-hub or /mnt (two calls instead of ten).
 */
export class TrustedDirs {
  private readonly byPath = new Map<string, { dev: number; ino: number }>();
  private static readonly MAX = 4096;

  /** The deepest known directory among the prefixes of `steps`, open, and how many steps it covers. */
  async open(ops: WalkOps, steps: readonly string[]): Promise<{ fd: number; depth: number; prefix: string } | null> {
    for (let depth = steps.length; depth > 0; depth--) {
      const prefix = `/${steps.slice(0, depth).join("/")}`;
      const id = this.byPath.get(prefix);
      if (!id) continue;
      this.byPath.delete(prefix); // put back below only if it still holds
      let fd: number;
      try {
        fd = await ops.open(prefix, DIR_FLAGS);
      } catch {
        continue;
      }
      const st = await ops.fstat(fd);
      if (st.dev === id.dev && st.ino === id.ino && trustedDir(st)) {
        this.byPath.set(prefix, id);
        return { fd, depth, prefix };
      }
      await ops.close(fd);
    }
    return null;
  }

  /** Records `fd`, reached by descriptor as `prefix` through trusted directories; the prefix while the chain stays trusted, else null. */
  async note(ops: WalkOps, fd: number, prefix: string): Promise<string | null> {
    const st = await ops.fstat(fd);
    if (!trustedDir(st)) return null;
    if (this.byPath.size >= TrustedDirs.MAX) this.byPath.clear();
    this.byPath.set(prefix, { dev: st.dev, ino: st.ino });
    return prefix;
  }
}

/**
 * Opens the directory that holds `path`'s last component. `from` is a directory descriptor for
 * a relative path (a link's target), null for an absolute one. Returns null when a directory on
 * the way does not exist. The caller closes `dir`.
 */
export async function openParent(ops: WalkOps, path: string, from: number | null = null, known?: TrustedDirs): Promise<Leaf | null> {
  const todo = components(path);
  const name = todo.pop();
  if (name === undefined || name === "..") throw new FilesError(`'${path}' names no entry in a directory`);
  const start = from === null && known ? await known.open(ops, todo) : null;
  let dir = start ? start.fd : await ops.open(from === null ? "/" : fdPath(from, "."), DIR_FLAGS);
  if (start) todo.splice(0, start.depth);
  // The path walked so far while every directory on it is root's alone and no link was followed.
  let trustedPrefix = from === null && known ? (start?.prefix ?? "") : null;
  let links = 0;
  try {
    for (let step = todo.shift(); step !== undefined; step = todo.shift()) {
      let next: number;
      try {
        next = await ops.open(fdPath(dir, step), DIR_FLAGS);
      } catch (err) {
        if (errnoOf(err) === "ENOENT") return close(ops, dir, null);
        if (errnoOf(err) !== "ENOTDIR") throw err;
        // A symlink (O_DIRECTORY|O_NOFOLLOW says ENOTDIR for both) or a file on the way.
        if (++links > MAX_LINKS) throw new FilesError(`too many symlinks on the way to ${path}`);
        const target = await trustedTarget(ops, dir, step, path);
        trustedPrefix = null;
        if ((await ops.fsType(fdPath(dir))) === PROC_SUPER_MAGIC) {
          // /proc's links (/proc/<pid>/root, …/cwd) name objects, not paths: their text ("/")
          // would lead out of a container's root. Only the kernel can follow them.
          const next = await ops.open(fdPath(dir, step), DIR_FLAGS & ~O_NOFOLLOW);
          await ops.close(dir);
          dir = next;
          continue;
        }
        if (target.startsWith("/")) {
          await ops.close(dir);
          dir = await ops.open("/", DIR_FLAGS);
        }
        todo.unshift(...components(target));
        continue;
      }
      await ops.close(dir);
      dir = next;
      if (trustedPrefix !== null) trustedPrefix = await known!.note(ops, dir, `${trustedPrefix}/${step}`);
    }
  } catch (err) {
    await ops.close(dir);
    throw err;
  }
  return { dir, name };
}

async function close<T>(ops: WalkOps, fd: number, value: T): Promise<T> {
  await ops.close(fd);
  return value;
}

/** The target of the link `name` in `dir`, if the link may be followed; otherwise throws naming `path`. */
export async function trustedTarget(ops: WalkOps, dir: number, name: string, path: string): Promise<string> {
  const link = await ops.lstat(fdPath(dir, name));
  if (link.isDirectory()) throw new UnsafePathError(`${path}: '${name}' on the way was swapped while it was opened`);
  if (!link.isSymbolicLink()) {
    throw Object.assign(new FilesError(`${path}: '${name}' on the way is not a directory`), { code: "ENOTDIR" });
  }
  const parent = await ops.fstat(dir);
  if (!trustedLink(parent, link)) {
    throw new UnsafePathError(
      `${path}: refusing to follow the symlink '${name}' (owned by uid ${link.uid}, in a directory of uid ${parent.uid} mode ${(parent.mode & 0o7777).toString(8)} that another user can change)`,
    );
  }
  return ops.readlink(fdPath(dir, name));
}

/**
 * Opens `path`'s last component with `flags` (O_NOFOLLOW is added). A symlink there is refused,
 * or, with followTrusted, followed when trustedLink allows. null when absent.
 */
export async function openLeaf(ops: WalkOps, path: string, flags: number, followTrusted = false, known?: TrustedDirs): Promise<number | null> {
  let leaf = await openParent(ops, path, null, known);
  for (let links = 0; leaf; links++) {
    const { dir, name } = leaf;
    try {
      return await ops.open(fdPath(dir, name), flags | O_NOFOLLOW);
    } catch (err) {
      if (errnoOf(err) === "ENOENT") return null;
      if (errnoOf(err) !== "ELOOP") throw err;
      if (!followTrusted) throw new UnsafePathError(`${path} is a symlink; refusing to follow it`);
      if (links >= MAX_LINKS) throw new FilesError(`too many symlinks at ${path}`);
      const target = await trustedTarget(ops, dir, name, path);
      leaf = await openParent(ops, target, target.startsWith("/") ? null : dir);
    } finally {
      await ops.close(dir);
    }
  }
  return null;
}
