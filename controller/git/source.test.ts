import { readdirSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FleetError } from "../../shared/errors.js";
import { logChildProcesses } from "../../test/support/child-processes.js";
import { createRemote, runGit, TEST_AUTHOR, type Remote } from "../../test/support/git.js";
import { alive, commandLine, descendants, workingDirectory } from "../../test/support/process-tree.js";
import { useTmpDirs } from "../../test/support/tmp.js";
import { waitFor } from "../../test/support/wait.js";
import { GitSource } from "./source.js";

const tmp = useTmpDirs();
const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x0d, 0x0a, 0xed, 0xa0, 0x80, 0x0a]);

describe("GitSource against a real bare remote", () => {
  let remote: Remote;
  let src: GitSource;
  let first: string;

  beforeAll(async () => {
    remote = await createRemote();
    first = await remote.commitAll("add web-1", { "hosts/web-1.yaml": "role: web\n", "README.md": "fleet\n" });
    src = new GitSource({ url: remote.bareDir, mirrorDir: join(await tmp("kf-git-"), "repo.git") });
  });
  afterAll(async () => {
    await src.close();
    await remote.cleanup();
  });

  test("first sync clones and returns the head", async () => {
    expect(await src.sync()).toEqual({ head: first, changed: true });
    expect(src.stats).toEqual({ clones: 1, fetches: 0, maintenance: 0 });
    expect(src.lastSyncAt).toBeInstanceOf(Date);
    expect(src.lastError).toBeNull();
  });

  test("no new commit → changed false", async () => {
    expect(await src.sync()).toEqual({ head: first, changed: false });
  });

  test("a pushed commit → changed true and the new head", async () => {
    const second = await remote.commitAll("web-1 gets a db role", { "hosts/web-1.yaml": "role: db\n" });
    expect(await src.sync()).toEqual({ head: second, changed: true });
  });

  test("5 concurrent syncs share at most 2 fetches and resolve to one head", async () => {
    const next = await remote.commitAll("add web-2", { "hosts/web-2.yaml": "role: web\n" });
    const before = src.stats.fetches;
    const results = await Promise.all(Array.from({ length: 5 }, () => src.sync()));
    expect(src.stats.fetches - before).toBeGreaterThanOrEqual(1);
    expect(src.stats.fetches - before).toBeLessThanOrEqual(2);
    expect(new Set(results.map((r) => r.head))).toEqual(new Set([next]));
  });

  test("readFile returns each revision's version; missing path → null", async () => {
    const { head } = await src.sync();
    expect((await src.readFile(first, "hosts/web-1.yaml"))?.toString()).toBe("role: web\n");
    expect((await src.readFile(head, "hosts/web-1.yaml"))?.toString()).toBe("role: db\n");
    expect(await src.readFile(first, "hosts/web-2.yaml")).toBeNull();
    expect(await src.readFile(head, "hosts")).toBeNull(); // a directory is not a file
    expect(await src.readFile(head, "hosts/web")).toBeNull(); // no prefix matching
  });

  test("readFile keeps invalid UTF-8 and CRLF byte for byte", async () => {
    const sha = await remote.commitAll("binary", { "blob.bin": BINARY });
    await src.sync();
    expect(Buffer.compare((await src.readFile(sha, "blob.bin"))!, BINARY)).toBe(0);
  });

  test("listFiles lists a directory recursively or the whole tree", async () => {
    const { head } = await src.sync();
    expect(await src.listFiles(head, "hosts")).toEqual(["hosts/web-1.yaml", "hosts/web-2.yaml"]);
    expect(await src.listFiles(first, "hosts/")).toEqual(["hosts/web-1.yaml"]);
    expect(await src.listFiles(head)).toEqual(["README.md", "blob.bin", "hosts/web-1.yaml", "hosts/web-2.yaml"]);
    expect(await src.listFiles(head, "nope")).toEqual([]);
  });

  test("filesAt lists a directory's own files (not deeper ones) and reads them, for the fleet loader", async () => {
    const sha = await remote.commitAll("nested", { "hosts/deeper/x.yaml": "x\n" });
    await src.sync();
    const files = src.filesAt(sha);
    expect(await files.list("hosts")).toEqual(["hosts/web-1.yaml", "hosts/web-2.yaml"]);
    expect(await files.list("")).toEqual(["README.md", "blob.bin"]);
    expect((await files.read("hosts/deeper/x.yaml"))?.toString()).toBe("x\n");
    expect(await files.read("hosts/nope.yaml")).toBeNull();
  });

  test("commitInfo gives sha, subject, author and an ISO date", async () => {
    const info = await src.commitInfo(first);
    expect(info).toMatchObject({ sha: first, message: "add web-1", author: TEST_AUTHOR.name, authorEmail: TEST_AUTHOR.email });
    expect(first.startsWith(info.shortSha)).toBe(true);
    expect(info.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    expect(Math.abs(Date.parse(info.date) - Date.now())).toBeLessThan(120_000);
  });

  test("a bad revision → KF_ERR_GIT; an option-like revision is refused", async () => {
    await expect(src.readFile("0".repeat(40), "README.md")).rejects.toMatchObject({ code: "KF_ERR_GIT" });
    await expect(src.commitInfo("--all")).rejects.toThrow(/invalid revision/);
  });

  test("a force-pushed rewrite is followed", async () => {
    await remote.git("reset", "--hard", first);
    const rewritten = await remote.git("commit", "--allow-empty", "-m", "rewrite").then(() => remote.git("rev-parse", "HEAD"));
    await remote.push({ force: true });
    expect(await src.sync()).toEqual({ head: rewritten.trim(), changed: true });
  });
});

test("a changed url re-points the existing mirror", async () => {
  const [a, b] = await Promise.all([createRemote(), createRemote()]);
  try {
    await a.commitAll("a", { "x": "a\n" });
    const headB = await b.commitAll("b", { "x": "b\n" });
    const mirrorDir = join(await tmp("kf-git-"), "repo.git");
    await new GitSource({ url: a.bareDir, mirrorDir }).sync();
    const moved = new GitSource({ url: b.bareDir, mirrorDir });
    expect(await moved.sync()).toEqual({ head: headB, changed: true });
    expect(moved.stats).toEqual({ clones: 0, fetches: 1, maintenance: 0 });
    expect((await moved.readFile(headB, "x"))?.toString()).toBe("b\n");
    await moved.close();
  } finally {
    await Promise.all([a.cleanup(), b.cleanup()]);
  }
});

describe("unreachable remote", () => {
  test("first sync → KF_ERR_GIT carrying git's stderr", async () => {
    const src = new GitSource({ url: join(await tmp("kf-git-"), "missing.git"), mirrorDir: join(await tmp("kf-git-"), "m.git") });
    const err = await src.sync().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FleetError);
    expect((err as FleetError).code).toBe("KF_ERR_GIT");
    expect((err as FleetError).message).toMatch(/fatal: repository '.*missing\.git' does not exist/);
    expect(src.lastError).toBe(err);
    expect(src.lastSyncAt).toBeNull();
  });

  test("a remote that disappears after a good sync keeps the last head and reports the error", async () => {
    const remote = await createRemote();
    const head = await remote.commitAll("one", { "a": "1" });
    const src = new GitSource({ url: remote.bareDir, mirrorDir: join(await tmp("kf-git-"), "m.git") });
    await src.sync();
    await rm(remote.bareDir, { recursive: true, force: true });
    const err = (await src.sync().catch((e: unknown) => e)) as FleetError;
    expect(err.code).toBe("KF_ERR_GIT");
    expect(err.message).toMatch(/fatal: /);
    expect(src.lastError?.code).toBe("KF_ERR_GIT");
    expect(src.head).toBe(head);
    expect((await src.readFile(head, "a"))?.toString()).toBe("1");
    await src.close();
    await remote.cleanup();
  });

  test("credentials in the url never reach the error message", async () => {
    const src = new GitSource({ url: "http://user:s3cret@127.0.0.1:1/repo.git", mirrorDir: join(await tmp("kf-git-"), "m.git"), timeoutMs: 10_000 });
    const err = (await src.sync().catch((e: unknown) => e)) as FleetError;
    expect(err.code).toBe("KF_ERR_GIT");
    expect(err.message).not.toContain("s3cret");
    expect(err.message).toMatch(/connect/i);
  });
});

describe("reads through one long-lived git cat-file --batch", () => {
  let remote: Remote;
  let src: GitSource;
  let mirrorDir: string;
  /** The cat-file processes reading this mirror (other tests' sources read theirs). */
  const readers = () => descendants(process.pid).filter((pid) => commandLine(pid) === "git cat-file --batch" && workingDirectory(pid) === mirrorDir);

  beforeAll(async () => {
    remote = await createRemote();
    await remote.commitAll("fleet", { "fleet.yaml": "hosts: {}\n", "koji/tags.yaml": "tags: []\n", "koji/deeper/x.yaml": "x\n" });
    mirrorDir = join(await tmp("kf-git-"), "repo.git");
    src = new GitSource({ url: remote.bareDir, mirrorDir });
    await src.sync();
  });
  afterAll(async () => {
    await src.close();
    await remote.cleanup();
  });

  /** What a reconcile does with a commit: fetch, its commit info, fleet.yaml and an included directory. */
  async function reconcileReads(): Promise<{ head: string; subject: string; fleetYaml: string | undefined; included: readonly string[] }> {
    const { head } = await src.sync();
    const info = await src.commitInfo(head);
    const files = src.filesAt(head);
    const fleetYaml = (await files.read("fleet.yaml"))?.toString();
    const included = await files.list("koji");
    for (const path of included) await files.read(path);
    return { head, subject: info.message, fleetYaml, included };
  }

  test("after the first fetch, a commit costs one child process: git fetch", async () => {
    await reconcileReads(); // warm-up: the first fetch checks origin's url, the reader starts
    for (let i = 1; i <= 3; i++) {
      const sha = await remote.commitAll(`change ${i}`, { "fleet.yaml": `hosts: {} # ${i}\n` });
      const log = logChildProcesses();
      let seen;
      try {
        seen = await reconcileReads();
      } finally {
        log.stop();
      }
      expect(seen).toEqual({ head: sha, subject: `change ${i}`, fleetYaml: `hosts: {} # ${i}\n`, included: ["koji/tags.yaml"] });
      expect(log.started).toEqual([expect.stringMatching(/^git fetch .*\+refs\/heads\/main:refs\/heads\/main$/)]);
    }
  });

  test("the same reader sees what later fetches bring, packed or loose, and what gc repacks", async () => {
    const [reader] = readers();
    expect(reader).toBeDefined();
    // Over git's unpack limit (100 objects), a fetch keeps its pack: a pack the reader never saw.
    const many = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`bulk/f${i}.txt`, `file ${i}\n`]));
    const packed = await remote.commitAll("many files", many);
    const packs = () => readdirSync(join(mirrorDir, "objects", "pack")).filter((f) => f.endsWith(".pack")).length;
    const before = packs();
    expect(await src.sync()).toMatchObject({ head: packed });
    expect(packs()).toBe(before + 1);
    expect((await src.readFile(packed, "bulk/f119.txt"))?.toString()).toBe("file 119\n");
    const loose = await remote.commitAll("one more", { "bulk/f0.txt": "changed\n" });
    expect(await src.sync()).toMatchObject({ head: loose });
    expect((await src.readFile(loose, "bulk/f0.txt"))?.toString()).toBe("changed\n");
    await runGit(mirrorDir, ["gc", "--prune=now", "--quiet"]); // loose objects move into a new pack, the old packs go
    expect((await src.readFile(loose, "bulk/f0.txt"))?.toString()).toBe("changed\n");
    expect((await src.commitInfo(packed)).message).toBe("many files");
    expect(readers()).toEqual([reader]);
  });

  test("many reads at once are answered in order", async () => {
    const { head } = await src.sync();
    const paths = Array.from({ length: 120 }, (_, i) => `bulk/f${i}.txt`);
    const contents = await Promise.all(paths.map((p) => src.readFile(head, p)));
    expect(contents.map((c) => c?.toString())).toEqual(paths.map((_, i) => (i === 0 ? "changed\n" : `file ${i}\n`)));
  });

  test("a reader that died is replaced at the next read", async () => {
    const [reader] = readers();
    process.kill(reader!, "SIGKILL");
    await waitFor(() => !alive(reader!), { message: "the reader did not die" });
    const { head } = await src.sync();
    expect((await src.readFile(head, "fleet.yaml"))?.toString()).toMatch(/^hosts: \{\}/);
    expect(readers()).toHaveLength(1);
    expect(readers()).not.toContain(reader);
  });

  test("a mirror deleted under the source is cloned again and read by a new reader", async () => {
    const [reader] = readers();
    await rm(mirrorDir, { recursive: true, force: true });
    const { head } = await src.sync();
    expect((await src.readFile(head, "fleet.yaml"))?.toString()).toMatch(/^hosts: \{\}/);
    expect(readers()).toHaveLength(1);
    expect(readers()).not.toContain(reader);
  });

  test("fetchRevision reads a revision the branch does not hold", async () => {
    await remote.git("checkout", "-q", "-b", "proposal");
    await writeFile(join(remote.workDir, "fleet.yaml"), "hosts: {} # proposed\n");
    await remote.git("commit", "-q", "-am", "proposal");
    await remote.git("push", "-q", "origin", "proposal");
    const proposal = (await remote.git("rev-parse", "HEAD")).trim();
    await remote.git("checkout", "-q", "main");
    expect(await src.fetchRevision("proposal")).toBe(proposal);
    expect((await src.readFile(proposal, "fleet.yaml"))?.toString()).toBe("hosts: {} # proposed\n");
  });

  test("close() ends the reader; reads and syncs are refused after it", async () => {
    const { head } = await src.sync();
    await src.readFile(head, "fleet.yaml");
    expect(readers()).toHaveLength(1);
    await src.close();
    expect(readers()).toEqual([]);
    await expect(src.readFile(head, "fleet.yaml")).rejects.toMatchObject({ code: "KF_ERR_GIT", message: expect.stringMatching(/closed/) });
    await expect(src.sync()).rejects.toMatchObject({ code: "KF_ERR_GIT" });
    expect(readers()).toEqual([]);
  });
});

test("commitInfo gives what git log gives: a multi-line subject, a zone east of UTC, a non-ASCII author", async () => {
  const remote = await createRemote();
  const src = new GitSource({ url: remote.bareDir, mirrorDir: join(await tmp("kf-git-"), "m.git") });
  try {
    await remote.commitAll("first", { "a": "1" });
    await writeFile(join(remote.workDir, "a"), "2");
    await remote.git("add", "a");
    await remote.git("-c", "user.name=Zoë Ångström", "commit", "-q", "--cleanup=verbatim", "--date=2026-03-01T23:30:00+05:30", "--author=Zoë Ångström <zoe@example.org>", "-m", "\n\nfirst line  \nsecond line\n\nbody");
    await remote.push();
    const { head } = await src.sync();
    const [sha, short, subject, name, email, date] = (await remote.git("log", "-1", "--format=%H%x00%h%x00%s%x00%an%x00%ae%x00%aI", head)).trimEnd().split("\0");
    expect(await src.commitInfo("main")).toEqual({ sha, shortSha: short, message: subject, author: name, authorEmail: email, date: new Date(date!).toISOString() });
    expect(subject).toBe("first line second line");
    expect(await src.commitInfo(head.slice(0, 10))).toMatchObject({ sha: head });
    await expect(src.commitInfo("no-such-branch")).rejects.toMatchObject({ code: "KF_ERR_GIT", message: expect.stringMatching(/no commit at no-such-branch/) });
  } finally {
    await src.close();
    await remote.cleanup();
  }
});

describe("the mirror's maintenance", () => {
  /** Every git command the mirror's git runs, children included: git's trace2 (read from HOME's .gitconfig, the mirror's parent). */
  async function traced(mirrorDir: string): Promise<() => Promise<string[]>> {
    const events = join(dirname(mirrorDir), "trace2.json");
    await writeFile(join(dirname(mirrorDir), ".gitconfig"), `[trace2]\n\teventTarget = ${events}\n`);
    return async () =>
      (await readFile(events, "utf8").catch(() => ""))
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { event: string; argv?: string[] })
        .filter((e) => e.event === "start")
        .map((e) => e.argv!.slice(1).join(" "));
  }

  test("a fetch runs no git maintenance of its own", async () => {
    const remote = await createRemote();
    const mirrorDir = join(await tmp("kf-git-"), "m.git");
    const src = new GitSource({ url: remote.bareDir, mirrorDir, maintenanceDelayMs: 3_600_000 });
    try {
      await remote.commitAll("first", { "fleet.yaml": "hosts: {}\n" });
      await src.sync();
      const commands = await traced(mirrorDir);
      for (let i = 1; i <= 3; i++) {
        await remote.commitAll(`change ${i}`, { "fleet.yaml": `hosts: {} # ${i}\n` });
        await src.sync();
      }
      const run = await commands();
      expect(run.filter((c) => c.startsWith("fetch "))).toHaveLength(3);
      // upload-pack and its pack-objects, unpack-objects, the connectivity check: no maintenance, no gc.
      expect(run.filter((c) => /^(maintenance|gc)\b/.test(c))).toEqual([]);
      expect(src.stats.maintenance).toBe(0);
    } finally {
      await src.close();
      await remote.cleanup();
    }
  });

  test("it runs after a fetch that brought a commit, once; close() cancels a pending one", async () => {
    const remote = await createRemote();
    const mirrorDir = join(await tmp("kf-git-"), "m.git");
    await remote.commitAll("first", { "fleet.yaml": "hosts: {}\n" });
    const src = new GitSource({ url: remote.bareDir, mirrorDir, maintenanceDelayMs: 200 });
    const commands = await traced(mirrorDir);
    try {
      await src.sync();
      await waitFor(() => src.stats.maintenance === 1, { timeoutMs: 10_000 });
      await waitFor(async () => (await commands()).includes("maintenance run --auto --quiet"), { timeoutMs: 10_000 });
      expect(await src.sync()).toMatchObject({ changed: false });
      await new Promise((r) => setTimeout(r, 500));
      expect(src.stats.maintenance).toBe(1);

      await remote.commitAll("second", { "fleet.yaml": "hosts: {} # 2\n" });
      expect(await src.sync()).toMatchObject({ changed: true });
      await src.close();
      await new Promise((r) => setTimeout(r, 500));
      expect(src.stats.maintenance).toBe(1);
      expect((await commands()).filter((c) => c.startsWith("maintenance "))).toHaveLength(1);
    } finally {
      await src.close();
      await remote.cleanup();
    }
  });
});
