// A resource that mounts a network filesystem changes which paths are local: the resources
// after it must be read through the thread pool at once, not a second later when the mount
// table is re-read on its own (agent/providers/local-paths.ts).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createFiles } from "../providers/files.js";
import { LocalPaths } from "../providers/local-paths.js";
import { converge } from "./converge.js";
import { options, outcomes, res, tempRoot } from "../../test/support/engine.js";

let root: string;
beforeEach(() => {
  root = fs.realpathSync(tempRoot());
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const line = (mountPoint: string, type: string) => `1 1 8:1 / ${mountPoint} rw - ${type} /dev/x rw`;

/** Each FIFO opened for reading with no writer holds one of libuv's four pool threads, as calls on a hung NFS mount would. */
function holdThreadPool(): () => Promise<void> {
  const fifos = [0, 1, 2, 3].map((i) => join(root, `fifo${i}`));
  for (const f of fifos) execFileSync("mkfifo", [f]);
  const readers = fifos.map((f) => readFile(f));
  return async () => {
    for (const f of fifos) fs.closeSync(fs.openSync(f, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
    await Promise.all(readers);
  };
}

it("after a resource's apply (here an exec that 'mounts' NFS at /mnt/koji), the next resource's reads under it go through the pool", async () => {
  const koji = join(root, "mnt/koji");
  fs.mkdirSync(koji, { recursive: true });
  fs.writeFileSync(join(koji, "topdir.conf"), "topdir=/mnt/koji\n");
  const marker = join(root, "mounted");
  // The mount table as the kernel would show it: NFS at /mnt/koji once the exec has run.
  const local = new LocalPaths({ readMountInfo: () => [line("/", "ext4"), ...(fs.existsSync(marker) ? [line(koji, "nfs4")] : [])].join("\n"), maxAgeMs: 60_000 });
  const files = createFiles({ localPaths: local });
  expect(local.isLocal(join(koji, "topdir.conf"))).toBe(true); // judged before the mount, and kept for a minute
  const release = holdThreadPool();
  const catalog = [
    res("mount", "exec", { argv: ["touch", marker], creates: "/mounted" }),
    res("conf", "file", { path: "/mnt/koji/topdir.conf", content: "topdir=/mnt/koji\n", mode: "0644" }, { requires: ["mount"] }),
  ];
  const run = converge(catalog, options(root, { files, sandbox: false }));
  // The exec ran; the file under the new mount now waits on the (hung) pool instead of being read on the loop.
  const settled = await Promise.race([run.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 500))]);
  expect(fs.existsSync(marker)).toBe(true);
  expect(settled).toBe(false);
  await release();
  expect(outcomes(await run)).toEqual({ mount: "changed", conf: "unchanged" });
});
