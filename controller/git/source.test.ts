import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FleetError } from "../../shared/errors.js";
import { createRemote, TEST_AUTHOR, type Remote } from "../../test/support/git.js";
import { useTmpDirs } from "../../test/support/tmp.js";
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
  afterAll(() => remote.cleanup());

  test("first sync clones and returns the head", async () => {
    expect(await src.sync()).toEqual({ head: first, changed: true });
    expect(src.stats).toEqual({ clones: 1, fetches: 0 });
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
    expect(moved.stats).toEqual({ clones: 0, fetches: 1 });
    expect((await moved.readFile(headB, "x"))?.toString()).toBe("b\n");
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
