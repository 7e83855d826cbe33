// Which file a path names now, for caches of what was read from it: the identity changes when
// the file is replaced (a rename over it: another inode) or changed in place (size, times).
import { stat } from "node:fs/promises";

export interface FileIdentity {
  /** Equal for two stats of the same, unchanged file. */
  id: string;
  /** When the file last changed (ctime), ms since the epoch. */
  changedAtMs: number;
}

/** null when nothing is at `path`. Follows a symlink, as reading the path does. */
export async function fileIdentity(path: string): Promise<FileIdentity | null> {
  const st = await stat(path, { bigint: true }).catch(() => null);
  if (!st) return null;
  return { id: `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`, changedAtMs: Number(st.ctimeNs / 1_000_000n) };
}
