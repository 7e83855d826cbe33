// `koji-fleet up`'s post-commit hook: a commit in the sandbox's repository wakes the controller
// at once instead of at its next poll. It is plain POSIX sh and starts no node (that cost
// ~230 ms of every commit → applied): curl, else wget, each in the background with its output
// discarded so `git commit` returns at once. With neither, the commit waits for the poll;
// bash's /dev/tcp is left out on purpose (not POSIX, and it would mean writing HTTP by hand).
//
// The hook holds no secret: the sandbox's controller has no webhook secret, so /hooks/git takes
// unsigned calls from loopback only (controller/http/routes/hooks.ts), and the URL is all the
// hook needs. Mode 0755 like any git hook: there is nothing in it to hide.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../shared/atomic-file.js";

/** The hook's text for a controller whose API listens at `apiUrl` (a loopback http:// URL). */
export function commitHookText(apiUrl: string): string {
  const url = new URL("/hooks/git", apiUrl);
  // The URL goes into a single-quoted sh word: it must not be able to end that word.
  if (url.protocol !== "http:" || /['\\\s]/.test(url.href)) throw new Error(`commit hook: unexpected API URL ${apiUrl}`);
  return [
    "#!/bin/sh",
    "# Installed by koji-fleet up (rewritten at each start): wakes the sandbox's controller at once.",
    "# No node here: curl, else wget, in the background; with neither, the controller's poll sees the commit.",
    `url='${url.href}'`,
    "if command -v curl >/dev/null 2>&1; then",
    '  curl -fsS -m 5 -X POST "$url" </dev/null >/dev/null 2>&1 &',
    "elif command -v wget >/dev/null 2>&1; then",
    '  wget -q -T 5 -O /dev/null --post-data= "$url" </dev/null >/dev/null 2>&1 &',
    "fi",
    "exit 0",
    "",
  ].join("\n");
}

/** Writes REPO/.git/hooks/post-commit when its text differs (the API's port may have changed). */
export async function installCommitHook(repoDir: string, apiUrl: string): Promise<void> {
  const hook = join(repoDir, ".git", "hooks", "post-commit");
  const text = commitHookText(apiUrl);
  if ((await readFile(hook, "utf8").catch(() => "")) === text) return;
  // Atomic: a commit made while `up` starts runs the old hook or the new one, never half of one.
  await writeFileAtomic(hook, text, 0o755);
}
