import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import { FleetError } from "../../shared/errors.js";
import { silentLogger, type Logger } from "../../shared/log.js";
import type { FleetFiles } from "../config/fleet-files.js";

export interface GitSourceOptions {
  url: string;
  /** Bare mirror; created on the first sync. Its parent becomes git's HOME. */
  mirrorDir: string;
  branch?: string;
  /** Kill a git process that stays silent this long. */
  timeoutMs?: number;
  log?: Logger;
}

export interface SyncResult {
  head: string;
  /** head differs from the previous successful sync of this instance (true on the first). */
  changed: boolean;
}

export interface CommitInfo {
  sha: string;
  shortSha: string;
  /** Subject line. */
  message: string;
  author: string;
  authorEmail: string;
  /** Author date, ISO 8601 UTC. */
  date: string;
}

/**
 * The watched repository as a bare mirror of one branch, read by commit id. There is no
 * work tree, so reads never race a checkout.
 */
export class GitSource {
  readonly url: string;
  readonly mirrorDir: string;
  readonly branch: string;
  /** How many clones and fetches ran: lets tests check that syncs coalesce. */
  readonly stats = { clones: 0, fetches: 0 };
  private readonly timeoutMs: number;
  private readonly log: Logger;
  private repo: SimpleGit | null = null;
  private inflight: Promise<SyncResult> | null = null;
  private again = false;
  private _head: string | null = null;
  private _lastSyncAt: Date | null = null;
  private _lastError: FleetError | null = null;

  constructor(opts: GitSourceOptions) {
    this.url = opts.url;
    this.mirrorDir = opts.mirrorDir;
    this.branch = opts.branch ?? "main";
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.log = (opts.log ?? silentLogger()).child({ component: "git", url: redact(opts.url) });
  }

  get head(): string | null {
    return this._head;
  }
  get lastSyncAt(): Date | null {
    return this._lastSyncAt;
  }
  get lastError(): FleetError | null {
    return this._lastError;
  }

  /**
   * Single-flight: callers during a running sync share it, and one more sync follows so that
   * a push noticed meanwhile (webhook, poll) is never missed; everyone gets the final result.
   */
  sync(): Promise<SyncResult> {
    if (this.inflight) {
      this.again = true;
      return this.inflight;
    }
    this.inflight = this.syncLoop().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async syncLoop(): Promise<SyncResult> {
    for (;;) {
      this.again = false;
      try {
        const result = await this.syncOnce();
        if (!this.again) return result;
      } catch (err) {
        if (!this.again) throw err;
      }
    }
  }

  private async syncOnce(): Promise<SyncResult> {
    const t0 = Date.now();
    try {
      const repo = await this.mirror();
      const head = (await repo.revparse(["--verify", `refs/heads/${this.branch}`])).trim();
      const changed = head !== this._head;
      this._head = head;
      this._lastSyncAt = new Date();
      this._lastError = null;
      this.log.debug({ head, changed, ms: Date.now() - t0 }, "git sync");
      return { head, changed };
    } catch (err) {
      const e = gitError(`sync of ${this.branch} from ${this.url}`, err);
      this._lastError = e;
      this.log.warn({ err: e, ms: Date.now() - t0 }, "git sync failed");
      throw e;
    }
  }

  /** Clones on first use, otherwise re-points origin if needed and fetches the branch. */
  private async mirror(): Promise<SimpleGit> {
    // Checked every time so a mirror deleted under us is re-cloned, not fetched into.
    if (!(await this.isRepo())) return this.cloneFresh();
    const repo = (this.repo ??= this.client(this.mirrorDir));
    // `config --get` exits 1 silently for a missing key, which raw() resolves as "".
    const current = (await repo.raw(["config", "--get", "remote.origin.url"])).trim();
    if (current !== this.url) {
      await repo.raw(current ? ["remote", "set-url", "origin", this.url] : ["remote", "add", "origin", this.url]);
      this.log.info({ from: redact(current) }, "mirror re-pointed to a new url");
    }
    this.stats.fetches++;
    const ref = `refs/heads/${this.branch}`;
    await repo.fetch("origin", `+${ref}:${ref}`, ["--prune", "--no-tags"]);
    return repo;
  }

  private async isRepo(): Promise<boolean> {
    const entries = await readdir(this.mirrorDir).catch(() => null);
    if (!entries || entries.length === 0) return false;
    if (entries.includes("HEAD") && entries.includes("objects")) return true;
    throw new FleetError("KF_ERR_GIT", `mirror dir ${this.mirrorDir} is not empty and holds no bare git repository`);
  }

  /** Clone beside the target then rename, so a crash mid-clone never leaves a half mirror. */
  private async cloneFresh(): Promise<SimpleGit> {
    const parent = dirname(this.mirrorDir);
    await mkdir(parent, { recursive: true });
    const tmp = join(parent, `.${basename(this.mirrorDir)}.clone-${process.pid}-${Date.now()}`);
    this.stats.clones++;
    try {
      await this.client(parent).clone(this.url, tmp, ["--bare", "--single-branch", "--no-tags", "--branch", this.branch]);
      await rename(tmp, this.mirrorDir); // replaces an empty dir too
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    return (this.repo = this.client(this.mirrorDir));
  }

  /** The file at rev, byte for byte; null when the path is absent or not a file. */
  async readFile(rev: string, path: string): Promise<Buffer | null> {
    const p = cleanPath(path);
    const out = await this.read("ls-tree", (g) => g.raw(["ls-tree", "-z", checkRev(rev), "--", p]));
    // "<mode> <type> <oid>\t<path>\0"
    const [meta, name] = (out.split("\0")[0] ?? "").split("\t");
    const [, type, oid] = (meta ?? "").split(" ");
    if (name !== p || type !== "blob" || !oid) return null;
    return this.read("cat-file", (g) => g.binaryCatFile(["blob", oid]) as Promise<Buffer>);
  }

  /** Repo-relative paths of all files under dir at rev ("" for the whole tree), recursively. */
  async listFiles(rev: string, dir = ""): Promise<string[]> {
    const d = cleanPath(dir);
    const args = ["ls-tree", "-r", "-z", "--name-only", checkRev(rev)];
    if (d && d !== ".") args.push("--", `${d}/`);
    return (await this.read("ls-tree", (g) => g.raw(args))).split("\0").filter(Boolean);
  }

  /** The files of a revision as the fleet loader reads them (fleet.yaml and what it includes). */
  filesAt(rev: string): FleetFiles {
    return {
      list: async (dir) => {
        const d = cleanPath(dir);
        return (await this.listFiles(rev, d)).filter((p) => dirname(p) === (d === "" ? "." : d));
      },
      read: (path) => this.readFile(rev, path),
    };
  }

  /**
   * Fetches a revision the tracked branch does not hold (a pull request's branch or commit)
   * so it can be read, e.g. for a live plan; returns its sha. Nothing is published from it.
   */
  async fetchRevision(rev: string): Promise<string> {
    const r = checkRev(rev);
    await this.read("fetch", (g) => g.raw(["fetch", "--no-tags", "--no-write-fetch-head", "origin", `+${r}:refs/kf-plan/candidate`]));
    return (await this.read("rev-parse", (g) => g.raw(["rev-parse", "--verify", "refs/kf-plan/candidate^{commit}"]))).trim();
  }

  async commitInfo(rev: string): Promise<CommitInfo> {
    const out = await this.read("log", (g) =>
      g.raw(["log", "-1", "--no-walk", "--format=%H%x00%h%x00%s%x00%an%x00%ae%x00%aI", checkRev(rev), "--"]),
    );
    const [sha = "", shortSha = "", message = "", author = "", authorEmail = "", date = ""] = out.trimEnd().split("\0");
    if (!sha) throw new FleetError("KF_ERR_GIT", `no commit at ${rev}`);
    return { sha, shortSha, message, author, authorEmail, date: new Date(date).toISOString() };
  }

  private async read<T>(op: string, fn: (g: SimpleGit) => Promise<T>): Promise<T> {
    try {
      if (!this.repo && !(await this.isRepo())) throw new Error("the mirror does not exist yet: sync first");
      return await fn((this.repo ??= this.client(this.mirrorDir)));
    } catch (err) {
      throw gitError(op, err);
    }
  }

  /**
   * simple-git 4 drops ambient GIT_* variables and refuses unlisted ones, so git gets a
   * minimal env: no prompts, C locale for stable stderr, HOME beside the mirror.
   */
  private client(baseDir: string): SimpleGit {
    return simpleGit({
      baseDir,
      maxConcurrentProcesses: 4,
      timeout: { block: this.timeoutMs },
      allowEnvironment: ["GIT_TERMINAL_PROMPT"],
    }).env({
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dirname(this.mirrorDir),
      LC_ALL: "C",
      GIT_TERMINAL_PROMPT: "0",
    });
  }
}

function gitError(op: string, err: unknown): FleetError {
  if (err instanceof FleetError) return err;
  const detail = err instanceof Error ? err.message.trim() : String(err);
  return new FleetError("KF_ERR_GIT", redact(`git ${op} failed: ${detail}`), { cause: err });
}

/** Hides credentials embedded in https URLs (user:token@host). */
const redact = (s: string): string => s.replace(/(\w+:\/\/)[^/@\s]+@/g, "$1***@");

/** Keeps a rev from being read as an option. */
function checkRev(rev: string): string {
  if (!rev || rev.startsWith("-")) throw new FleetError("KF_ERR_GIT", `invalid revision: ${JSON.stringify(rev)}`);
  return rev;
}

const cleanPath = (p: string): string => p.replace(/^(\.\/|\/)+/, "").replace(/\/+$/, "");
