import * as fs from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RecordingExecutor, type ExecRequest } from "../providers/executor.js";
import { fstabEntriesFor } from "../providers/mount.js";
import { mountKind, type MountProps } from "./mount.js";
import { loadOutput } from "./testdata/load-output.js";
import { cycle, expectNoopMatchesApply, kindContext, tempRoot } from "../../test/support/kinds.js";

const FINDMNT = ["/usr/bin/findmnt", "-J", "-M", "/mnt/koji", "-o", "TARGET,SOURCE,FSTYPE,OPTIONS"];
const findmnt = (file: string) => ({ argv: FINDMNT, result: loadOutput("findmnt", file) });
const RELOAD = { argv: ["/usr/bin/systemctl", "daemon-reload"] };
const MOUNT = { argv: ["/usr/bin/mount", "/mnt/koji"] };
const HUB: MountProps = { path: "/mnt/koji", device: "cs10-koji-02.mx-os:/mnt/koji", fstype: "nfs4", options: "rw,hard,noatime,_netdev" };
const HUB_LINE = "cs10-koji-02.mx-os:/mnt/koji /mnt/koji nfs4 rw,hard,noatime,_netdev 0 0\n";
const BASE = "# /etc/fstab\n# Created by anaconda\nUUID=0a1b-2c3d /                       xfs     defaults        0 0\n";

let root: string;
beforeEach(() => {
  root = tempRoot();
  fs.mkdirSync(join(root, "etc"));
  fs.mkdirSync(join(root, "mnt"));
  fs.writeFileSync(join(root, "etc/fstab"), BASE);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
const fstab = (): string => fs.readFileSync(join(root, "etc/fstab"), "utf8");
const ctxWith = (exec: RecordingExecutor) => kindContext(root, { exec, sandbox: false });

async function observeAndApply(props: MountProps, exec: RecordingExecutor): Promise<string[]> {
  const ctx = ctxWith(exec);
  const observed = await mountKind.observe(props, ctx);
  const lines = mountKind.diff(props, observed);
  await mountKind.apply(props, observed, ctx);
  expect(exec.pending).toEqual([]);
  return lines;
}

describe("mount (replayed findmnt/mount output, real fstab under a temp root)", () => {
  it("nothing there → fstab line appended, mountpoint created, daemon-reload, mount", async () => {
    const exec = new RecordingExecutor([findmnt("not-mounted.txt"), RELOAD, MOUNT]);
    expect(await observeAndApply(HUB, exec)).toEqual([`fstab: add "${HUB_LINE.trimEnd()}"`, "create mountpoint /mnt/koji", "mount /mnt/koji"]);
    expect(fstab()).toBe(BASE + HUB_LINE);
    expect(fs.statSync(join(root, "mnt/koji")).isDirectory()).toBe(true);
  });

  it("fstab has the line but not mounted → mount only (fstab untouched, no reload)", async () => {
    fs.writeFileSync(join(root, "etc/fstab"), `${BASE}cs10-koji-02.mx-os:/mnt/koji\t/mnt/koji\tnfs4\trw,hard,noatime,_netdev\n`);
    fs.mkdirSync(join(root, "mnt/koji"));
    const before = fstab();
    const exec = new RecordingExecutor([findmnt("not-mounted.txt"), MOUNT]);
    expect(await observeAndApply(HUB, exec)).toEqual(["mount /mnt/koji"]);
    expect(fstab()).toBe(before);
  });

  it("line there and mounted with those options → nothing", async () => {
    fs.writeFileSync(join(root, "etc/fstab"), BASE + HUB_LINE);
    fs.mkdirSync(join(root, "mnt/koji"));
    const exec = new RecordingExecutor([findmnt("nfs4-rw.txt")]);
    expect(mountKind.diff(HUB, await mountKind.observe(HUB, ctxWith(exec)))).toEqual([]);
  });

  it("builder switched to ro while mounted rw → fstab rewritten in place, reload, remount", async () => {
    fs.writeFileSync(join(root, "etc/fstab"), BASE + HUB_LINE + "tmpfs /tmp tmpfs defaults 0 0\n");
    fs.mkdirSync(join(root, "mnt/koji"));
    const props: MountProps = { ...HUB, options: "ro,hard,_netdev" };
    const exec = new RecordingExecutor([findmnt("nfs4-rw.txt"), RELOAD, { argv: ["/usr/bin/mount", "-o", "remount", "/mnt/koji"] }]);
    expect(await observeAndApply(props, exec)).toEqual([
      `fstab: "${HUB_LINE.trimEnd()}" → "cs10-koji-02.mx-os:/mnt/koji /mnt/koji nfs4 ro,hard,_netdev 0 0"`,
      "remount /mnt/koji (mounted without ro)",
    ]);
    expect(fstab()).toBe(`${BASE}cs10-koji-02.mx-os:/mnt/koji /mnt/koji nfs4 ro,hard,_netdev 0 0\ntmpfs /tmp tmpfs defaults 0 0\n`);
  });

  it("mounted from another server → refuses; nothing written, nothing run", async () => {
    fs.mkdirSync(join(root, "mnt/koji"));
    const exec = new RecordingExecutor([findmnt("nfs4-other-server.txt")]);
    await expect(observeAndApply(HUB, exec)).rejects.toThrow("/mnt/koji is mounted from koji-nfs-old.mx-os:/srv/koji; unmount it by hand (umount /mnt/koji) and the next converge mounts cs10-koji-02.mx-os:/mnt/koji");
    expect(fstab()).toBe(BASE);
  });

  it("ensure absent, mounted and in fstab → umount, then the line goes, reload", async () => {
    fs.writeFileSync(join(root, "etc/fstab"), BASE + HUB_LINE);
    const exec = new RecordingExecutor([findmnt("nfs4-rw.txt"), { argv: ["/usr/bin/umount", "/mnt/koji"] }, RELOAD]);
    expect(await observeAndApply({ ...HUB, ensure: "absent" }, exec)).toEqual(["unmount /mnt/koji", "fstab line for /mnt/koji present → absent"]);
    expect(fstab()).toBe(BASE);
  });

  it("umount busy → error with umount's words; fstab still has the line", async () => {
    fs.writeFileSync(join(root, "etc/fstab"), BASE + HUB_LINE);
    const exec = new RecordingExecutor([findmnt("nfs4-rw.txt"), { argv: ["/usr/bin/umount", "/mnt/koji"], result: loadOutput("mount", "umount-busy.txt") }]);
    await expect(cycle(mountKind, { ...HUB, ensure: "absent" }, ctxWith(exec))).rejects.toThrow("/usr/bin/umount /mnt/koji exited with code 32: umount: /mnt/koji: target is busy.");
    expect(fstab()).toBe(BASE + HUB_LINE);
  });

  it("mount fails (server unreachable) → error with mount.nfs's words", async () => {
    const exec = new RecordingExecutor([findmnt("not-mounted.txt"), RELOAD, { argv: MOUNT.argv, result: loadOutput("mount", "mount-nfs-timeout.txt") }]);
    await expect(cycle(mountKind, HUB, ctxWith(exec))).rejects.toThrow("exited with code 32: mount.nfs: Connection timed out");
  });

  it("ensure present → fstab only; findmnt is not even run", async () => {
    const exec = new RecordingExecutor([RELOAD]);
    expect(await observeAndApply({ ...HUB, ensure: "present" }, exec)).toEqual([`fstab: add "${HUB_LINE.trimEnd()}"`]);
    expect(fs.existsSync(join(root, "mnt/koji"))).toBe(false);
  });
});

/** A kernel mount table that `mount PATH` fills from the fstab under the root, like mount(8). */
function fakeKernel(root: string) {
  let live: { source: string; fstype: string; options: string } | null = null;
  const entry = () => fstabEntriesFor(fs.readFileSync(join(root, "etc/fstab"), "utf8"), "/mnt/koji")[0]!;
  return new RecordingExecutor((req: ExecRequest) => {
    const [cmd, ...args] = req.argv;
    if (cmd === "/usr/bin/findmnt") {
      if (!live) return { exitCode: 1 };
      return { stdout: JSON.stringify({ filesystems: [{ target: "/mnt/koji", ...live }] }, null, 3) };
    }
    if (cmd === "/usr/bin/systemctl") return {};
    if (cmd === "/usr/bin/umount") {
      live = null;
      return {};
    }
    if (cmd === "/usr/bin/mount") {
      // The kernel drops fstab-only options and adds what NFS negotiated.
      const e = entry();
      const kept = e.options.split(",").filter((o) => o !== "_netdev" && o !== "defaults");
      if (args[0] === "-o" && !live) return { exitCode: 32, stderr: "mount: /mnt/koji: not mounted.\n" };
      live = { source: e.device, fstype: "nfs4", options: [...kept, "vers=4.2", "proto=tcp", "sec=sys"].join(",") };
      return {};
    }
    return undefined;
  });
}

describe("mount noop = apply (fake kernel table, real fstab)", () => {
  it.each<[string, MountProps, boolean, number]>([
    ["fresh host → fstab, mountpoint, mount", HUB, false, 3],
    ["options changed while mounted → fstab and remount", { ...HUB, options: "ro,hard,_netdev" }, true, 2],
    ["mounted, then absent → umount and fstab line removed", { ...HUB, ensure: "absent" }, true, 2],
  ])("%s", async (_name, props, mountedFirst, count) => {
    const exec = fakeKernel(root);
    if (mountedFirst) await expectNoopMatchesApply(mountKind, HUB, ctxWith(exec));
    expect(await expectNoopMatchesApply(mountKind, props, ctxWith(exec))).toHaveLength(count);
    expect(fstab().startsWith(BASE)).toBe(true);
  });
});
