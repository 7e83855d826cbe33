import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalPaths, mountOf, parseMountInfo } from "./local-paths.js";
import { createFiles } from "./files.js";

let dir: string;
beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(join(tmpdir(), "kf-local-")));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const line = (id: number, mountPoint: string, type: string, optional = "shared:1") => `${id} 1 8:1 / ${mountPoint} rw,relatime ${optional} - ${type} /dev/x rw`;
const table = (...lines: string[]) => () => `${lines.join("\n")}\n`;

describe("parseMountInfo / mountOf", () => {
  it("reads mount point and type past the optional fields; unescapes \\040 in mount points", () => {
    const text = [line(27, "/", "ext4"), line(40, "/mnt/koji", "nfs4", "shared:5 master:2"), line(41, "/srv/with\\040space", "xfs", ""), "garbage"].join("\n");
    expect(parseMountInfo(text)).toEqual([
      { mountPoint: "/", fsType: "ext4" },
      { mountPoint: "/mnt/koji", fsType: "nfs4" },
      { mountPoint: "/srv/with space", fsType: "xfs" },
    ]);
  });

  it("the deepest mount holding the path wins; a sibling with a common prefix does not; the last of a stack is on top", () => {
    const mounts = parseMountInfo(table(line(1, "/", "ext4"), line(2, "/mnt/koji", "nfs4"), line(3, "/mnt/koji", "tmpfs"))());
    expect(mountOf(mounts, "/mnt/koji/packages/x.rpm")?.fsType).toBe("tmpfs");
    expect(mountOf(mounts, "/mnt/koji")?.fsType).toBe("tmpfs");
    expect(mountOf(mounts, "/mnt/kojix/y")?.fsType).toBe("ext4");
    expect(mountOf([], "/etc")).toBeUndefined();
  });
});

describe("LocalPaths", () => {
  it("a path on a disk filesystem is local; a mount point of NFS, FUSE or an unknown type, or anything below one, is not", () => {
    fs.mkdirSync(join(dir, "nfs"));
    fs.mkdirSync(join(dir, "fuse"));
    const local = new LocalPaths({ readMountInfo: table(line(1, "/", "ext4"), line(2, join(dir, "nfs"), "nfs4"), line(3, join(dir, "fuse"), "fuse.sshfs")) });
    expect(local.isLocal(join(dir, "koji.conf"))).toBe(true);
    expect(local.isLocal(join(dir, "nfs"))).toBe(false);
    expect(local.isLocal(`${join(dir, "nfs")}/.`)).toBe(false);
    expect(local.isLocal(join(dir, "nfs", "koji.conf"))).toBe(false);
    expect(local.isLocal(join(dir, "fuse", "x"))).toBe(false);
    expect(local.isLocal(join(dir, "missing", "x"))).toBe(false);
    expect(local.isLocal("relative/x")).toBe(false);
    expect(new LocalPaths({ readMountInfo: () => null }).isLocal(join(dir, "koji.conf"))).toBe(false);
  });

  it("a symlink is local itself, and what lies beyond it is judged by where it leads: a mount point behind it by its real path", () => {
    fs.mkdirSync(join(dir, "real", "koji"), { recursive: true });
    fs.symlinkSync(join(dir, "real"), join(dir, "alias"));
    const local = new LocalPaths({ readMountInfo: table(line(1, "/", "ext4"), line(2, join(dir, "real", "koji"), "nfs4")) });
    expect(local.isLocal(join(dir, "alias"))).toBe(true);
    expect(local.isLocal(join(dir, "alias", "ca.crt"))).toBe(true);
    expect(local.isLocal(join(dir, "alias", "koji"))).toBe(false);
    expect(local.isLocal(join(dir, "alias", "koji", "ca.crt"))).toBe(false);
    // Not canonical: the kernel follows the link before a trailing "/" or "/.", so these are not local.
    fs.symlinkSync(join(dir, "real", "koji"), join(dir, "to-nfs"));
    expect(local.isLocal(join(dir, "to-nfs"))).toBe(true);
    expect(local.isLocal(`${join(dir, "to-nfs")}/`)).toBe(false);
    expect(local.isLocal(`${join(dir, "alias")}/.`)).toBe(false);
  });

  it("a link target with '..' is not followed (lexical resolution would be wrong); a loop ends", () => {
    fs.mkdirSync(join(dir, "real"));
    fs.symlinkSync("../real", join(dir, "up"));
    fs.symlinkSync(join(dir, "b"), join(dir, "a"));
    fs.symlinkSync(join(dir, "a"), join(dir, "b"));
    const local = new LocalPaths({ readMountInfo: table(line(1, "/", "ext4")) });
    expect(local.isLocal(join(dir, "up"))).toBe(true);
    expect(local.isLocal(join(dir, "up", "x"))).toBe(false);
    expect(local.isLocal(join(dir, "a", "x"))).toBe(false);
  });

  it("verdicts last until the table is re-read (maxAgeMs): a new mount is seen then", () => {
    let reads = 0, now = 0;
    let text = table(line(1, "/", "ext4"))();
    const local = new LocalPaths({ readMountInfo: () => (reads++, text), maxAgeMs: 1_000, now: () => now });
    const conf = join(dir, "koji.conf");
    expect(local.isLocal(conf)).toBe(true);
    text = table(line(1, "/", "ext4"), line(2, dir, "nfs4"))();
    now = 999;
    expect(local.isLocal(conf)).toBe(true);
    expect(reads).toBe(1);
    now = 1_000;
    expect(local.isLocal(conf)).toBe(false);
    expect(reads).toBe(2);
  });

  it("invalidate(): the next question re-reads the table at once (the agent has just mounted something)", () => {
    let text = table(line(1, "/", "ext4"))();
    const local = new LocalPaths({ readMountInfo: () => text, maxAgeMs: 60_000 });
    const conf = join(dir, "koji.conf");
    expect(local.isLocal(conf)).toBe(true);
    text = table(line(1, "/", "ext4"), line(2, dir, "nfs4"))();
    expect(local.isLocal(conf)).toBe(true);
    local.invalidate();
    expect(local.isLocal(conf)).toBe(false);
  });

  it("this machine's own table: the test's temp dir is on a disk or memory filesystem", () => {
    expect(new LocalPaths().isLocal(join(dir, "x"))).toBe(true);
  });
});

/**
 * Four FIFOs opened for reading with no writer: each holds one of libuv's four pool threads, as
 * calls on a hung NFS mount would.
 */
async function holdThreadPool(): Promise<() => Promise<void>> {
  const fifos = [0, 1, 2, 3].map((i) => join(dir, `fifo${i}`));
  for (const f of fifos) execFileSync("mkfifo", [f]);
  const readers = fifos.map((f) => readFile(f));
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    for (const f of fifos) fs.closeSync(fs.openSync(f, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
    await Promise.all(readers);
  };
}

const settlesWithin = <T>(p: Promise<T>, ms: number): Promise<boolean> =>
  Promise.race([p.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

describe("createFiles with LocalPaths", () => {
  it("with the thread pool hung, reads in a local directory still answer; in a network one they wait on the pool, and the event loop runs on", async () => {
    const conf = join(dir, "koji.conf");
    fs.writeFileSync(conf, "[koji]\n");
    fs.symlinkSync(conf, join(dir, "link"));
    const onDisk = createFiles({ localPaths: new LocalPaths({ readMountInfo: table(line(1, "/", "ext4")), maxAgeMs: 60_000 }) });
    const onNfs = createFiles({ localPaths: new LocalPaths({ readMountInfo: table(line(1, "/", "ext4"), line(2, dir, "nfs4")), maxAgeMs: 60_000 }) });
    const release = await holdThreadPool();
    try {
      expect(await onDisk.lstat(conf)).toMatchObject({ type: "file", size: 7 });
      expect((await onDisk.readFile(conf))?.toString()).toBe("[koji]\n");
      expect(await onDisk.readlink(join(dir, "link"))).toBe(conf);
      expect(await onDisk.lstat(join(dir, "absent"))).toBeNull();
      const waiting = onNfs.lstat(conf);
      expect(await settlesWithin(waiting, 200)).toBe(false);
      await release();
      expect(await waiting).toMatchObject({ type: "file", size: 7 });
    } finally {
      await release();
    }
  });

  it("a FIFO in a local directory is refused at once, never waited on (no writer would ever come)", async () => {
    const fifo = join(dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    const files = createFiles({ localPaths: new LocalPaths({ readMountInfo: table(line(1, "/", "ext4")) }) });
    const reading = files.readFile(fifo).catch((e: Error) => e.message);
    expect(await settlesWithin(reading, 500)).toBe(true);
    expect(await reading).toBe(`${fifo} is not a regular file`);
  });

  it("local or not, the answers are the same: a file over 1 MiB is read (asynchronously) in full, a trusted link's target only when asked", async () => {
    const big = Buffer.alloc((1 << 20) + 1, "k");
    fs.writeFileSync(join(dir, "big"), big);
    fs.writeFileSync(join(dir, "small"), "x=1\n");
    fs.symlinkSync(join(dir, "small"), join(dir, "to-small"));
    const variants = [
      createFiles({ localPaths: new LocalPaths({ readMountInfo: table(line(1, "/", "ext4")) }) }),
      createFiles({ localPaths: new LocalPaths({ readMountInfo: table(line(1, "/", "nfs")) }) }),
    ];
    for (const files of variants) {
      expect((await files.readFile(join(dir, "big")))?.equals(big)).toBe(true);
      expect((await files.readFile(join(dir, "to-small"), { followTrustedLinks: true }))?.toString()).toBe("x=1\n");
      await expect(files.readFile(join(dir, "to-small"))).rejects.toThrow("is a symlink; refusing to follow it");
      expect(await files.lstat(join(dir, "to-small"))).toMatchObject({ type: "symlink" });
      expect(await files.readFile(join(dir, "absent"))).toBeNull();
      expect(await files.readlink(join(dir, "absent"))).toBeNull();
      await expect(files.readFile(dir)).rejects.toThrow(`${dir} is not a regular file`);
    }
  });
});
