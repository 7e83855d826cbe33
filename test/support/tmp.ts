import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/** A fresh directory under the OS temp dir; the caller removes it. */
export const makeTmpDir = (prefix = "kf-"): Promise<string> => mkdtemp(join(tmpdir(), prefix));

/** rm -rf that never throws on a missing path. */
export const removeDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true });

/**
 * Call at file or describe level: returns a maker whose directories are removed after the
 * suite. Set KF_KEEP_TMP=1 to keep them for a post-mortem.
 */
export function useTmpDirs(): (prefix?: string) => Promise<string> {
  const made: string[] = [];
  afterAll(async () => {
    if (process.env.KF_KEEP_TMP === "1") return;
    await Promise.all(made.splice(0).map(removeDir));
  });
  return async (prefix) => {
    const dir = await makeTmpDir(prefix);
    made.push(dir);
    return dir;
  };
}
