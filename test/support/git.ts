import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, normalize } from "node:path";

export const TEST_AUTHOR = { name: "Koji Fleet Test", email: "test@koji-fleet.invalid" } as const;

export interface Remote {
  /** The bare repository: use it as the GitSource url. */
  bareDir: string;
  /** A clone of bareDir that commitAll writes into. */
  workDir: string;
  /** Writes files (null deletes), commits everything and pushes main; returns the new sha. */
  commitAll(message: string, files: Record<string, string | Uint8Array | null>): Promise<string>;
  /** Pushes main to origin; force for rewritten history. */
  push(opts?: { force?: boolean }): Promise<void>;
  /** Runs git in workDir and returns stdout. */
  git(...args: string[]): Promise<string>;
  cleanup(): Promise<void>;
}

/**
 * Env that ignores the machine's system and global git config, so tests behave the same
 * as root in CI with no ~/.gitconfig and on a developer box with one.
 */
function gitEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    LC_ALL: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: TEST_AUTHOR.name,
    GIT_AUTHOR_EMAIL: TEST_AUTHOR.email,
    GIT_COMMITTER_NAME: TEST_AUTHOR.name,
    GIT_COMMITTER_EMAIL: TEST_AUTHOR.email,
  };
}

/** Runs real git; rejects with the argv and stderr. */
export function runGit(cwd: string, args: string[], home = cwd): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("git", args, { cwd, env: gitEnv(home), maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`git ${args.join(" ")} failed in ${cwd}: ${stderr || err.message}`, { cause: err }));
      else resolve(stdout);
    });
  });
}

export async function createRemote(): Promise<Remote> {
  const root = await mkdtemp(join(tmpdir(), "kf-remote-"));
  await runGit(root, ["init", "--quiet", "--bare", "--initial-branch=main", join(root, "origin.git")], root);
  await runGit(root, ["init", "--quiet", "--initial-branch=main", join(root, "work")], root);
  await runGit(join(root, "work"), ["remote", "add", "origin", join(root, "origin.git")], root);
  return openRemote(root);
}

/** The Remote createRemote made under `root`, from another process (the Koji lane's test files). */
export function openRemote(root: string): Remote {
  const bareDir = join(root, "origin.git");
  const workDir = join(root, "work");
  const git = (...args: string[]): Promise<string> => runGit(workDir, ["-c", "commit.gpgsign=false", ...args], root);

  const push = async ({ force = false } = {}): Promise<void> => {
    await git("push", "--quiet", ...(force ? ["--force"] : []), "origin", "main");
  };

  return {
    bareDir,
    workDir,
    git,
    push,
    async commitAll(message, files) {
      for (const [rel, content] of Object.entries(files)) {
        if (isAbsolute(rel) || normalize(rel).startsWith("..")) throw new Error(`path outside the work tree: ${rel}`);
        const file = join(workDir, rel);
        if (content === null) await rm(file, { force: true });
        else {
          await mkdir(dirname(file), { recursive: true });
          await writeFile(file, content);
        }
      }
      await git("add", "-A");
      // Empty commits are allowed so tests can move HEAD without changing content.
      await git("commit", "--quiet", "--allow-empty", "-m", message);
      await push();
      return (await git("rev-parse", "HEAD")).trim();
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
