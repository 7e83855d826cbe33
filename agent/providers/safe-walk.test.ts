// The agent runs as root among users it does not trust: links they plant are never followed,
// objects they swap in after an observe are never changed. Real files, a real other uid.
import { createHook } from "node:async_hooks";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalPaths } from "./local-paths.js";
import { UnsafePathError, createFiles, type Files } from "./files.js";
import { trustedLink } from "./safe-walk.js";

const NOBODY = 65534;
/** Moves itself into a mount namespace whose root is argv[1] (unshare, bind, pivot_root), then waits. */
const PIVOT_ROOT = String.raw`
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
def ok(r, what):
    if r != 0: raise OSError(ctypes.get_errno(), what)
ok(libc.unshare(0x20000), "unshare(CLONE_NEWNS)")
ok(libc.mount(b"none", b"/", None, 0x4000 | (1 << 18), None), "make / private")
d = sys.argv[1].encode()
ok(libc.mount(d, d, None, 4096 | 0x4000, None), "bind")
os.chdir(d)
os.makedirs("old", exist_ok=True)
ok(libc.syscall({"x86_64": 155, "aarch64": 41}[os.uname().machine], b".", b"old"), "pivot_root")
os.chdir("/")
ok(libc.umount2(b"/old", 2), "umount old root")
os.rmdir("/old")
print("in", flush=True)
time.sleep(60)
`;
let dir: string;
let secret: string;
beforeEach(() => {
  if (process.geteuid!() !== 0) throw new Error("these tests need root: they plant links as another uid, as an attacker on a host would");
  dir = fs.mkdtempSync(join(tmpdir(), "kf-walk-"));
  secret = join(dir, "secret");
  fs.writeFileSync(secret, "root only\n", { mode: 0o600 });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A directory `name` owned by the other user, as /var/lib/pgsql/data or /mnt/koji are. */
function userDir(name: string): string {
  const d = join(dir, name);
  fs.mkdirSync(d, { mode: 0o755 });
  fs.chownSync(d, NOBODY, NOBODY);
  return d;
}

/** A symlink made by the other user (lchown: root made it, but as if they had). */
function plantedLink(target: string, at: string): void {
  fs.symlinkSync(target, at);
  fs.lchownSync(at, NOBODY, NOBODY);
}

const secretIntact = () => {
  const st = fs.statSync(secret);
  expect([fs.readFileSync(secret, "utf8"), st.mode & 0o7777, st.uid]).toEqual(["root only\n", 0o600, 0]);
};

describe("trustedLink", () => {
  it.each([
    ["root's link in root's 0755 directory", { uid: 0, mode: 0o40755 }, { uid: 0 }, true],
    ["root's link in a group-writable directory", { uid: 0, mode: 0o40775 }, { uid: 0 }, false],
    ["root's link in sticky /tmp", { uid: 0, mode: 0o41777 }, { uid: 0 }, true],
    ["another user's link in sticky /tmp", { uid: 0, mode: 0o41777 }, { uid: NOBODY }, false],
    ["root's link in another user's directory", { uid: NOBODY, mode: 0o40755 }, { uid: 0 }, false],
  ])("%s → %s", (_name, d, l, want) => expect(trustedLink(d, l)).toBe(want));
});

// Both read paths: synchronous on a local disk, asynchronous on NFS (the walk is the same code).
describe.each([
  ["local", new LocalPaths({ readMountInfo: () => "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n", maxAgeMs: 60_000 })],
  ["nfs", new LocalPaths({ readMountInfo: () => "1 0 0:50 / / rw - nfs4 srv:/ rw\n", maxAgeMs: 60_000 })],
])("Files on a %s filesystem", (_fs, localPaths) => {
  let files: Files;
  beforeEach(() => {
    files = createFiles({ localPaths });
  });

  it("a link at the last component: readFile refuses (UnsafePathError naming the path), lstat and readlink see the link", async () => {
    const data = userDir("data");
    plantedLink(secret, join(data, "postgresql.conf"));
    const err = await files.readFile(join(data, "postgresql.conf")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafePathError);
    expect(err).toMatchObject({ code: "KF_ERR_UNSAFE_PATH", message: `${join(data, "postgresql.conf")} is a symlink; refusing to follow it` });
    expect((await files.lstat(join(data, "postgresql.conf")))?.type).toBe("symlink");
    expect(await files.readlink(join(data, "postgresql.conf"))).toBe(secret);
  });

  it("followTrustedLinks follows root's link in root's directory (/etc/os-release), not one another user could change", async () => {
    fs.symlinkSync("secret", join(dir, "os-release"));
    expect((await files.readFile(join(dir, "os-release"), { followTrustedLinks: true }))?.toString()).toBe("root only\n");
    plantedLink(secret, join(dir, "planted"));
    await expect(files.readFile(join(dir, "planted"), { followTrustedLinks: true })).rejects.toThrow(/refusing to follow the symlink 'planted' \(owned by uid 65534/);
    fs.symlinkSync(secret, join(userDir("home"), "rootlink"));
    await expect(files.readFile(join(dir, "home/rootlink"), { followTrustedLinks: true })).rejects.toBeInstanceOf(UnsafePathError);
  });

  it("a link on the way in another user's directory: every operation refuses it, nothing behind it is touched", async () => {
    const koji = userDir("koji");
    plantedLink(dir, join(koji, "work")); // /mnt/koji/work → a root-only directory
    const p = join(koji, "work/secret");
    for (const op of [
      () => files.lstat(p),
      () => files.readFile(p),
      () => files.readlink(p),
      () => files.writeFileAtomic(p, "pwned", { mode: 0o644 }),
      () => files.mkdir(join(koji, "work/new"), { mode: 0o777 }),
      () => files.unlink(p),
      () => files.symlink("/x", p),
    ]) {
      await expect(op()).rejects.toThrow(/refusing to follow the symlink 'work' \(owned by uid 65534, in a directory of uid 65534 mode 755/);
    }
    secretIntact();
    expect(fs.existsSync(join(dir, "new"))).toBe(false);
  });

  it("a link on the way in root's own directory is followed (/var/run → ../run)", async () => {
    fs.mkdirSync(join(dir, "run"));
    fs.symlinkSync("run", join(dir, "var-run"));
    await files.writeFileAtomic(join(dir, "var-run/pid"), "1", { mode: 0o644 });
    expect(fs.readFileSync(join(dir, "run/pid"), "utf8")).toBe("1");
    expect((await files.lstat(join(dir, "var-run/pid")))?.type).toBe("file");
  });

  it("setAttributes acts only on the observed inode: a link or another file swapped in is refused and left as it is", async () => {
    const koji = userDir("koji");
    const p = join(koji, "kojid.conf");
    fs.writeFileSync(p, "x");
    const observed = (await files.lstat(p))!;
    fs.unlinkSync(p);
    plantedLink(secret, p);
    await expect(files.setAttributes(p, observed, { mode: 0o755, uid: NOBODY })).rejects.toThrow(`${p} is a symlink now; refusing to change it`);
    fs.unlinkSync(p);
    fs.writeFileSync(p, "theirs", { mode: 0o600 });
    await expect(files.setAttributes(p, observed, { mode: 0o755 })).rejects.toThrow(`${p} was replaced since it was observed; not changing it`);
    expect(fs.statSync(p).mode & 0o777).toBe(0o600);
    secretIntact();
  });

  it("a FIFO at a file's path is refused without waiting for a writer", async () => {
    const { execFileSync } = await import("node:child_process");
    execFileSync("mkfifo", [join(dir, "fifo")]);
    await expect(files.readFile(join(dir, "fifo"))).rejects.toThrow(`${join(dir, "fifo")} is not a regular file`);
  });

  it("writeFileAtomic replaces a link at the path itself (rename), never writes through it", async () => {
    const data = userDir("data");
    plantedLink(secret, join(data, "pg_hba.conf"));
    await files.writeFileAtomic(join(data, "pg_hba.conf"), "new", { mode: 0o600 });
    expect(fs.lstatSync(join(data, "pg_hba.conf")).isFile()).toBe(true);
    secretIntact();
  });

  it("a directory known as root's that another user is given later is walked by descriptor again: their link in it is refused", async () => {
    const a = join(dir, "a");
    fs.mkdirSync(join(a, "b"), { recursive: true });
    fs.writeFileSync(join(a, "b/f"), "mine");
    expect((await files.readFile(join(a, "b/f")))?.toString()).toBe("mine"); // a and b now known as root's
    fs.chownSync(a, NOBODY, NOBODY);
    fs.renameSync(join(a, "b"), join(a, "old"));
    plantedLink(dir, join(a, "b"));
    await expect(files.readFile(join(a, "b/secret"))).rejects.toThrow(/refusing to follow the symlink 'b'/);
    secretIntact();
  });

  it("a directory known as root's is used only while it is the same inode: a path redirected through a user's link is walked again and refused", async () => {
    const x = join(dir, "x");
    fs.mkdirSync(join(x, "a/b"), { recursive: true });
    await files.writeFileAtomic(join(x, "a/b/conf"), "1", { mode: 0o644 }); // x, a, b now known as root's
    fs.chownSync(x, NOBODY, NOBODY); // later given to another user, who redirects a
    fs.renameSync(join(x, "a"), join(x, "a-old"));
    const elsewhere = join(dir, "etc"); // root's own directory, which the user wants written into
    fs.mkdirSync(join(elsewhere, "b"), { recursive: true });
    plantedLink(elsewhere, join(x, "a"));
    await expect(files.writeFileAtomic(join(x, "a/b/conf"), "2", { mode: 0o644 })).rejects.toThrow(/refusing to follow the symlink 'a'/);
    expect(fs.readdirSync(join(elsewhere, "b"))).toEqual([]);
  });

  it("/proc/<pid>/root of a process in another root leads into that root, never to this machine's /", async () => {
    const { spawn } = await import("node:child_process");
    const inner = join(dir, "container");
    fs.mkdirSync(join(inner, "etc"), { recursive: true });
    fs.writeFileSync(join(inner, "etc/marker"), "inside");
    // A process whose / is another mount, as a container's init is: readlink of its /proc/<pid>/root says "/".
    const child = spawn("python3", ["-c", PIVOT_ROOT, inner], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await new Promise((resolve) => child.stdout!.once("data", resolve));
      const viaProc = `/proc/${child.pid}/root`;
      expect(fs.readlinkSync(viaProc)).toBe("/");
      expect((await files.readFile(`${viaProc}/etc/marker`))?.toString()).toBe("inside");
      await files.mkdir(`${viaProc}/etc/kf-test.d`, { mode: 0o755 });
      await files.writeFileAtomic(`${viaProc}/etc/kf-test.d/x.conf`, "x", { mode: 0o644 });
      expect(fs.readFileSync(join(inner, "etc/kf-test.d/x.conf"), "utf8")).toBe("x");
      expect(fs.existsSync("/etc/kf-test.d")).toBe(false);
    } finally {
      child.kill("SIGKILL");
    }
  });
});

// The walk to what a write changes opens directories: a read, synchronous where reads are (a
// thread-pool round trip per directory cost a farm's agents more than the writes themselves),
// asynchronous where a synchronous call could hang on the network. Counted by async_hooks:
// the walk's asynchronous calls are fs's callback requests, the changes use fs/promises.
describe("the walk to what a write changes", () => {
  const walkRequests = async (files: Files, op: () => Promise<unknown>): Promise<number> => {
    let n = 0;
    const hook = createHook({ init: (_id, type) => void (type === "FSREQCALLBACK" && n++) }).enable();
    try {
      await op();
    } finally {
      hook.disable();
    }
    return n;
  };

  it.each([
    ["local", "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n", (n: number) => expect(n).toBe(0)],
    ["nfs", "1 0 0:50 / / rw - nfs4 srv:/ rw\n", (n: number) => expect(n).toBeGreaterThanOrEqual(3)],
  ])("on a %s filesystem", async (_fs, mountInfo, expectRequests) => {
    const files = createFiles({ localPaths: new LocalPaths({ readMountInfo: () => mountInfo, maxAgeMs: 60_000 }) });
    const deep = join(dir, "etc/koji-hub/hub.conf.d");
    fs.mkdirSync(deep, { recursive: true });
    const conf = join(deep, "x.conf");
    await files.writeFileAtomic(conf, "first", { mode: 0o600 });
    for (const op of [
      () => files.writeFileAtomic(conf, "second", { mode: 0o600 }),
      async () => files.setAttributes(conf, (await files.lstat(conf))!, { mode: 0o644 }),
      () => files.mkdir(join(deep, "d"), { mode: 0o750 }),
      () => files.rmdir(join(deep, "d")),
      () => files.symlink("x.conf", join(deep, "l")),
      () => files.unlink(join(deep, "l")),
    ]) expectRequests(await walkRequests(files, op));
    expect([fs.readFileSync(conf, "utf8"), fs.statSync(conf).mode & 0o777, fs.readdirSync(deep)]).toEqual(["second", 0o644, ["x.conf"]]);
  });
});
