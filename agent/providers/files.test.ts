import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseIdDatabase, resolveGroupId, resolveUserId } from "./accounts.js";
import { FilesError, PathError, createFiles, resolveUnderRoot } from "./files.js";

const files = createFiles();
const NOBODY = 65534;
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(join(tmpdir(), "kf-files-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const leftovers = (d: string): string[] => fs.readdirSync(d).filter((n) => n.includes(".kf-tmp-"));

/** chattr +i works only with CAP_LINUX_IMMUTABLE on a filesystem that supports it. */
function tryImmutable(path: string): boolean {
  try {
    execFileSync("chattr", ["+i", path], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("resolveUnderRoot", () => {
  it.each([
    ["absolute path → joined under the root", "/srv/root", "/etc/koji.conf", "/srv/root/etc/koji.conf"],
    ["root / → the path itself", "/", "/etc/koji.conf", "/etc/koji.conf"],
    ["redundant slashes and dots → normalized", "/r", "/etc//./koji.conf", "/r/etc/koji.conf"],
  ])("%s", (_name, root, p, want) => {
    expect(resolveUnderRoot(root, p)).toBe(want);
  });

  it.each([
    ["relative path → refused", "etc/koji.conf", /not an absolute path/],
    [".. escape → refused", "/etc/../../outside", /contains '\.\.'/],
    ["NUL byte → refused", "/etc/a\0b", /NUL byte/],
  ])("%s", (_name, p, message) => {
    expect(() => resolveUnderRoot("/srv/root", p)).toThrow(PathError);
    expect(() => resolveUnderRoot("/srv/root", p)).toThrow(message);
  });
});

describe("createFiles", () => {
  it("lstat, readFile and readlink of an absent path → null", async () => {
    const p = join(dir, "nope");
    expect(await files.lstat(p)).toBeNull();
    expect(await files.readFile(p)).toBeNull();
    expect(await files.readlink(p)).toBeNull();
  });

  it("writeFileAtomic → content, exact mode (umask ignored), no temp file left", async () => {
    const p = join(dir, "a.conf");
    await files.writeFileAtomic(p, "x=1\n", { mode: 0o640 });
    expect(fs.readFileSync(p, "utf8")).toBe("x=1\n");
    expect(await files.lstat(p)).toMatchObject({ type: "file", mode: 0o640, size: 4 });
    expect(leftovers(dir)).toEqual([]);
  });

  it("writeFileAtomic over a symlink → replaces the link, not its target", async () => {
    fs.writeFileSync(join(dir, "target"), "keep");
    fs.symlinkSync(join(dir, "target"), join(dir, "link"));
    await files.writeFileAtomic(join(dir, "link"), "new", { mode: 0o644 });
    expect(fs.readFileSync(join(dir, "target"), "utf8")).toBe("keep");
    expect((await files.lstat(join(dir, "link")))?.type).toBe("file");
  });

  it("writeFileAtomic with uid/gid → owner set before the file is visible", async () => {
    const p = join(dir, "owned");
    const uid = process.getuid!();
    const gid = process.getgid!();
    await files.writeFileAtomic(p, "x", { mode: 0o600, uid, gid });
    expect(await files.lstat(p)).toMatchObject({ uid, gid, mode: 0o600 });
  });

  it("rename fails (a directory is in the way) → clear error, directory untouched, no temp left", async () => {
    const p = join(dir, "conf");
    fs.mkdirSync(p);
    fs.writeFileSync(join(p, "inside"), "keep");
    const err = await files.writeFileAtomic(p, "new", { mode: 0o644 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FilesError);
    expect((err as Error).message).toMatch(new RegExp(`^cannot write ${p}: `));
    expect(fs.readFileSync(join(p, "inside"), "utf8")).toBe("keep");
    expect(leftovers(dir)).toEqual([]);
  });

  it("setuid/setgid bits survive a write that also sets the owner (chown clears them, so chmod comes last)", async () => {
    const p = join(dir, "helper");
    await files.writeFileAtomic(p, "#!/bin/sh\n", { mode: 0o6755, uid: 0, gid: 0 });
    expect(fs.statSync(p).mode & 0o7777).toBe(0o6755);
  });

  it("immutable target (rename refused after the temp was written) → old file intact, no temp left", async () => {
    const p = join(dir, "old.conf");
    fs.writeFileSync(p, "old content");
    // Root ignores permission bits, so an immutable file is how this test refuses the rename.
    if (!tryImmutable(p)) throw new Error("chattr +i failed: this test needs e2fsprogs and a filesystem with the immutable flag");
    try {
      await expect(files.writeFileAtomic(p, "new content", { mode: 0o644 })).rejects.toThrow(/cannot write .*old\.conf: EPERM/);
      expect(fs.readFileSync(p, "utf8")).toBe("old content");
      expect(leftovers(dir)).toEqual([]);
    } finally {
      execFileSync("chattr", ["-i", p]);
    }
  });

  it("a dead process's temp siblings are swept at the first write of a target, never this process's", async () => {
    const p = join(dir, "state.json");
    const dead = join(dir, ".state.json.kf-tmp-999999-0a0b0c0d");
    const mine = join(dir, `.state.json.kf-tmp-${process.pid}-01020304`);
    const other = join(dir, ".other.conf.kf-tmp-999999-0a0b0c0d");
    for (const f of [dead, mine, other]) fs.writeFileSync(f, "half");
    const agent = createFiles(); // a fresh provider: a just-started agent
    await agent.writeFileAtomic(p, "one", { mode: 0o600 });
    expect(leftovers(dir).sort()).toEqual([".other.conf.kf-tmp-999999-0a0b0c0d", `.state.json.kf-tmp-${process.pid}-01020304`]);
    // Swept once per target: debris cannot appear later (its writer died before this provider
    // existed), so the next writes read no directory. A new provider sweeps again.
    fs.writeFileSync(dead, "half");
    await agent.writeFileAtomic(p, "two", { mode: 0o600 });
    expect(fs.existsSync(dead)).toBe(true);
    await createFiles().writeFileAtomic(p, "three", { mode: 0o600 });
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.readFileSync(p, "utf8")).toBe("three");
  });

  it("mkdir → one level with the exact mode and owner (setgid kept after chown); missing parent → ENOENT", async () => {
    await files.mkdir(join(dir, "d"), { mode: 0o2750 });
    expect(await files.lstat(join(dir, "d"))).toMatchObject({ type: "directory", mode: 0o2750 });
    await files.mkdir(join(dir, "o"), { mode: 0o2770, uid: NOBODY, gid: NOBODY });
    expect(await files.lstat(join(dir, "o"))).toMatchObject({ type: "directory", mode: 0o2770, uid: NOBODY, gid: NOBODY });
    await expect(files.mkdir(join(dir, "x", "y"), { mode: 0o755 })).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("symlink → creates, then atomically replaces an existing link", async () => {
    const link = join(dir, "current");
    await files.symlink("/opt/a", link);
    await files.symlink("/opt/b", link);
    expect(await files.readlink(link)).toBe("/opt/b");
    expect(leftovers(dir)).toEqual([]);
  });

  it("symlink over a directory → refused, temp link removed", async () => {
    fs.mkdirSync(join(dir, "d"));
    await expect(files.symlink("/opt/a", join(dir, "d"))).rejects.toBeInstanceOf(FilesError);
    expect(leftovers(dir)).toEqual([]);
  });

  it("setAttributes, unlink and rmdir act on the path", async () => {
    const p = join(dir, "f");
    fs.writeFileSync(p, "");
    await files.setAttributes(p, (await files.lstat(p))!, { mode: 0o600, gid: NOBODY });
    expect(await files.lstat(p)).toMatchObject({ mode: 0o600, uid: 0, gid: NOBODY });
    await files.unlink(p);
    fs.mkdirSync(join(dir, "e"));
    await files.rmdir(join(dir, "e"));
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe("accounts", () => {
  it("parses passwd lines; comments, blanks and later duplicates are ignored", () => {
    const ids = parseIdDatabase("root:x:0:0:root:/root:/bin/bash\n# comment\n\napache:x:48:48::/usr/share/httpd:/sbin/nologin\napache:x:99:99::/:/bin/false\n");
    expect([...ids]).toEqual([
      ["root", 0],
      ["apache", 48],
    ]);
  });

  it("numeric strings → ids without a lookup; names → from the database; unknown → error", async () => {
    const passwd = join(dir, "passwd");
    fs.writeFileSync(passwd, "koji:x:989:985::/:/sbin/nologin\n");
    expect(await resolveUserId("1234", passwd)).toBe(1234);
    expect(await resolveUserId("koji", passwd)).toBe(989);
    await expect(resolveUserId("kojira", passwd)).rejects.toThrow(`unknown user 'kojira' (not in ${passwd})`);
    expect(await resolveGroupId("root")).toBe(0); // this machine's /etc/group
    expect(await files.userId("root")).toBe(0);
  });
});
