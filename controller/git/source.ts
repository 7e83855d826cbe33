import { mkdir, open, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import { FleetError } from "../../shared/errors.js";
import { silentLogger, type Logger } from "../../shared/log.js";
import type { FleetFiles } from "../config/fleet-files.js";
import { CatFileBatch } from "./cat-file.js";
import type { BatchAnswer } from "./cat-file-output.js";
import { abbrevLength, PACK_INDEX_HEADER_BYTES, packIndexCount, parseCommit, parseTree, type TreeEntry } from "./objects.js";

export interface GitSourceOptions {
  url: string;
  /** Bare mirror; created on the first sync. Its parent becomes git's HOME. */
  mirrorDir: string;
  branch?: string;
  /** Kill a git process that stays silent this long. */
  timeoutMs?: number;
  /** How long after a fetch that brought a commit the mirror's maintenance runs (default 10 minutes). */
  maintenanceDelayMs?: number;
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
 * work tree, so reads never race a checkout. A sync runs one process, `git fetch` (simple-git;
 * git's maintenance runs later, see scheduleMaintenance);
 * everything read (the branch's head, commits, trees, files) goes through one long-lived
 * `git cat-file --batch` (cat-file.ts) and is parsed here (objects.ts). close() ends that child.
 */
export class GitSource {
  readonly url: string;
  readonly mirrorDir: string;
  readonly branch: string;
  /** How many clones, fetches and maintenance runs there were: lets tests check that syncs coalesce. */
  readonly stats = { clones: 0, fetches: 0, maintenance: 0 };
  private readonly timeoutMs: number;
  private readonly maintenanceDelayMs: number;
  private maintenanceTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private repo: SimpleGit | null = null;
  private batch: CatFileBatch | null = null;
  /** origin's url was checked (or set by the clone) once: the mirror is ours, nobody else re-points it. */
  private originChecked = false;
  private closed = false;
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
    this.maintenanceDelayMs = opts.maintenanceDelayMs ?? 600_000;
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
      if (this.closed) throw new FleetError("KF_ERR_GIT", "the git source is closed");
      await this.mirror();
      const head = await this.commitId(`refs/heads/${this.branch}`);
      const changed = head !== this._head;
      if (changed) this.scheduleMaintenance();
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

  /** Clones on first use, otherwise re-points origin if needed (first sync only) and fetches the branch. */
  private async mirror(): Promise<SimpleGit> {
    // Checked every time so a mirror deleted under us is re-cloned, not fetched into.
    if (!(await this.isRepo())) return this.cloneFresh();
    const repo = (this.repo ??= this.client(this.mirrorDir));
    if (!this.originChecked) {
      // `config --get` exits 1 silently for a missing key, which raw() resolves as "".
      const current = (await repo.raw(["config", "--get", "remote.origin.url"])).trim();
      if (current !== this.url) {
        await repo.raw(current ? ["remote", "set-url", "origin", this.url] : ["remote", "add", "origin", this.url]);
        this.log.info({ from: redact(current) }, "mirror re-pointed to a new url");
      }
      this.originChecked = true;
    }
    this.stats.fetches++;
    const ref = `refs/heads/${this.branch}`;
    // Git's own maintenance check after each fetch is a process of its own on every commit's
    // path (~8 ms here): it runs later instead (scheduleMaintenance). Nothing reads FETCH_HEAD.
    await repo.fetch("origin", `+${ref}:${ref}`, ["--prune", "--no-tags", "--no-auto-maintenance", "--no-write-fetch-head"]);
    return repo;
  }

  /**
   * `git maintenance run --auto` (git decides whether loose objects or packs need gc), once a
   * while after a fetch that brought something: off the path of the commits of a burst.
   */
  private scheduleMaintenance(): void {
    if (this.maintenanceTimer || this.closed) return;
    this.maintenanceTimer = setTimeout(() => void this.maintain(), this.maintenanceDelayMs);
    this.maintenanceTimer.unref();
  }

  private async maintain(): Promise<void> {
    if (this.closed) return;
    try {
      this.stats.maintenance++;
      await this.git().raw(["maintenance", "run", "--auto", "--quiet"]);
    } catch (err) {
      this.log.warn({ err: gitError("maintenance", err) }, "git maintenance of the mirror failed; it is tried again after the next commit");
    } finally {
      this.maintenanceTimer = undefined;
    }
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
    this.originChecked = true;
    // A reader started on a mirror that was deleted since works in a directory that is gone.
    await this.batch?.restart();
    return (this.repo = this.client(this.mirrorDir));
  }

  /** The file at rev, byte for byte; null when the path is absent or not a file. */
  async readFile(rev: string, path: string): Promise<Buffer | null> {
    const p = cleanPath(path);
    return this.read("cat-file", async () => {
      const entry = p === "" ? null : await this.entryAt(await this.rootTree(rev), p.split("/"));
      return entry?.type === "blob" ? (await this.object(entry.oid, "blob")).content : null;
    });
  }

  /** Repo-relative paths of all files under dir at rev ("" for the whole tree), recursively. */
  async listFiles(rev: string, dir = ""): Promise<string[]> {
    const d = cleanPath(dir);
    return this.read("cat-file", async () => {
      const root = await this.rootTree(rev);
      if (d === "" || d === ".") return this.walk(root, "");
      const entry = await this.entryAt(root, d.split("/"));
      return entry?.type === "tree" ? this.walk(await this.tree(entry.oid), `${d}/`) : [];
    });
  }

  /** The files of a revision as the fleet loader reads them (fleet.yaml and what it includes). */
  filesAt(rev: string): FleetFiles {
    return {
      list: (dir) => {
        const d = cleanPath(dir);
        return this.read("cat-file", async () => {
          const root = await this.rootTree(rev);
          const entry = d === "" || d === "." ? null : await this.entryAt(root, d.split("/"));
          const entries = d === "" || d === "." ? root : entry?.type === "tree" ? await this.tree(entry.oid) : [];
          const prefix = d === "" || d === "." ? "" : `${d}/`;
          return entries.filter((e) => e.type !== "tree").map((e) => prefix + e.name);
        });
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
    await this.read("fetch", () => this.git().raw(["fetch", "--no-tags", "--no-write-fetch-head", "origin", `+${r}:refs/kf-plan/candidate`]));
    return this.read("cat-file", () => this.commitId("refs/kf-plan/candidate"));
  }

  /** sha, abbreviation, subject, author and date, as `git log -1 --format=%H %h %s %an %ae %aI` gave them. */
  async commitInfo(rev: string): Promise<CommitInfo> {
    return this.read("cat-file", async () => {
      const answer = await this.objects().read(`${checkRev(rev)}^{commit}`);
      if (answer.kind !== "object" || answer.type !== "commit") throw new FleetError("KF_ERR_GIT", `no commit at ${rev}${answer.kind === "missing" && answer.reason === "ambiguous" ? " (an ambiguous abbreviation)" : ""}`);
      const c = parseCommit(answer.content);
      return { sha: answer.oid, shortSha: await this.abbreviate(answer.oid), message: c.subject, author: c.author, authorEmail: c.authorEmail, date: c.date };
    });
  }

  /** Ends the object reader; reads and syncs are refused from then on. The controller's leader calls it as it stops. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.maintenanceTimer);
    await this.batch?.close();
  }

  /** The commit a ref or revision names. */
  private async commitId(rev: string): Promise<string> {
    const answer = await this.objects().read(`${rev}^{commit}`);
    if (answer.kind !== "object") throw new FleetError("KF_ERR_GIT", `${rev} names no commit in the mirror`);
    return answer.oid;
  }

  /** The tree of a revision; a revision the mirror does not hold is an error (a missing path is not). */
  private async rootTree(rev: string): Promise<TreeEntry[]> {
    const answer = await this.objects().read(`${checkRev(rev)}^{tree}`);
    if (answer.kind !== "object") throw new Error(`${rev}: ${answer.reason} revision in the mirror`);
    return parseTree(answer.content, answer.oid.length / 2);
  }

  /** The entry at `segments` below `tree`, each directory read on the way; null where the path leaves the tree. */
  private async entryAt(tree: TreeEntry[], segments: string[]): Promise<TreeEntry | null> {
    const [name, ...rest] = segments;
    const entry = tree.find((e) => e.name === name);
    if (!entry || rest.length === 0) return entry ?? null;
    return entry.type === "tree" ? this.entryAt(await this.tree(entry.oid), rest) : null;
  }

  /** Every non-directory path below `tree`, depth first in git's order: what `ls-tree -r` lists. */
  private async walk(tree: TreeEntry[], prefix: string): Promise<string[]> {
    const out: string[] = [];
    for (const e of tree) {
      if (e.type === "tree") out.push(...(await this.walk(await this.tree(e.oid), `${prefix}${e.name}/`)));
      else out.push(prefix + e.name);
    }
    return out;
  }

  private async tree(oid: string): Promise<TreeEntry[]> {
    return parseTree((await this.object(oid, "tree")).content, oid.length / 2);
  }

  private async object(oid: string, type: string): Promise<Extract<BatchAnswer, { kind: "object" }>> {
    const answer = await this.objects().read(oid);
    if (answer.kind !== "object" || answer.type !== type) throw new Error(`object ${oid} is not a ${type} in the mirror`);
    return answer;
  }

  /**
   * The shortest prefix of `oid`, at least git's default length for this repository's size, that
   * names nothing else (%h). A long-lived cat-file keeps the listing of each loose-object directory
   * it searched for a prefix until a lookup misses, so a prefix made ambiguous by a later fetch
   * may still pass: the display loses a digit, nothing else reads it.
   */
  private async abbreviate(oid: string): Promise<string> {
    for (let n = abbrevLength(await this.packedObjects()); n < oid.length; n++) {
      const answer = await this.objects().read(oid.slice(0, n));
      if (!(answer.kind === "missing" && answer.reason === "ambiguous")) return oid.slice(0, n);
    }
    return oid;
  }

  /** Objects in the mirror's packs, from each pack index's header (what git sizes abbreviations by). */
  private async packedObjects(): Promise<number> {
    const dir = join(this.mirrorDir, "objects", "pack");
    let count = 0;
    for (const name of await readdir(dir).catch(() => [])) {
      if (!name.endsWith(".idx")) continue;
      const fh = await open(join(dir, name), "r").catch(() => null); // a pack removed meanwhile by gc
      if (!fh) continue;
      try {
        const { buffer, bytesRead } = await fh.read(Buffer.alloc(PACK_INDEX_HEADER_BYTES), 0, PACK_INDEX_HEADER_BYTES, 0);
        count += packIndexCount(buffer.subarray(0, bytesRead)) ?? 0;
      } finally {
        await fh.close();
      }
    }
    return count;
  }

  /** Reads through the batch, with any failure as KF_ERR_GIT naming the operation. */
  private async read<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      if (this.closed) throw new Error("the git source is closed");
      if (!this.repo && !(await this.isRepo())) throw new Error("the mirror does not exist yet: sync first");
      return await fn();
    } catch (err) {
      throw gitError(op, err);
    }
  }

  private git(): SimpleGit {
    return (this.repo ??= this.client(this.mirrorDir));
  }

  private objects(): CatFileBatch {
    return (this.batch ??= new CatFileBatch({ cwd: this.mirrorDir, env: this.env(), timeoutMs: this.timeoutMs }));
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
    }).env(this.env());
  }

  private env(): Record<string, string> {
    return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dirname(this.mirrorDir), LC_ALL: "C", GIT_TERMINAL_PROMPT: "0" };
  }
}

function gitError(op: string, err: unknown): FleetError {
  if (err instanceof FleetError) return err;
  const detail = err instanceof Error ? err.message.trim() : String(err);
  return new FleetError("KF_ERR_GIT", redact(`git ${op} failed: ${detail}`), { cause: err });
}

/** Hides credentials embedded in https URLs (user:token@host). */
const redact = (s: string): string => s.replace(/(\w+:\/\/)[^/@\s]+@/g, "$1***@");

/** Keeps a rev from being read as an option, or as more than one request line. */
function checkRev(rev: string): string {
  if (!rev || rev.startsWith("-") || /[\n\r\0]/.test(rev)) throw new FleetError("KF_ERR_GIT", `invalid revision: ${JSON.stringify(rev)}`);
  return rev;
}

const cleanPath = (p: string): string => p.replace(/^(\.\/|\/)+/, "").replace(/\/+$/, "");
