// Atomic file replacement for daemon-owned files (state, CA, configs): temp file in the same
// directory with its mode set before it has content → fsync → rename → fsync the directory.
// A crash leaves the old file or the new one, never half of one. writeNewFile is the same
// for a file that must not exist yet: link() instead of rename(), which never replaces.
import { randomBytes } from "node:crypto";
import { link, open, rename, rm, unlink } from "node:fs/promises";
import { dirname, basename, join } from "node:path";

const tempBeside = (path: string): string => join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);

/** A new temp file (O_EXCL: never one planted there), its mode set before its content, fsynced. */
async function writeTemp(temp: string, data: string | Uint8Array, mode: number): Promise<void> {
  const handle = await open(temp, "wx", mode);
  try {
    await handle.writeFile(data);
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDir(path: string): Promise<void> {
  const dir = await open(dirname(path), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const temp = tempBeside(path);
  try {
    await writeTemp(temp, data, mode);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncDir(path);
}

/**
 * Writes `path` whole and durably, or fails with EEXIST when anything is there (a file, or a
 * symlink, which is not followed): link() of the fsynced temp file places it, where rename()
 * would replace a file created after any earlier check. The temp file is always removed.
 */
export async function writeNewFile(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const temp = tempBeside(path);
  try {
    await writeTemp(temp, data, mode);
    await link(temp, path);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  await syncDir(path);
}
