// The object reader's process: what happens when the child stalls, speaks nonsense or cannot
// start. Its normal work (real git, real fetches) is in source.test.ts.
import { expect, test } from "vitest";
import { alive } from "../../test/support/process-tree.js";
import { useTmpDirs } from "../../test/support/tmp.js";
import { CatFileBatch } from "./cat-file.js";

const tmp = useTmpDirs();
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" };

test("a request left unanswered kills the child and fails; the next read starts another", async () => {
  const batch = new CatFileBatch({ cwd: await tmp("kf-cat-"), env, timeoutMs: 300, argv: ["sleep", "60"] });
  const first = batch.read("HEAD");
  const pid = batch.pid!;
  await expect(first).rejects.toThrow(/answered nothing for 300 ms/);
  expect(batch.pid).toBeUndefined();
  await expect.poll(() => alive(pid)).toBe(false);
  const again = batch.read("HEAD").catch((err: unknown) => err);
  expect(batch.started).toBe(2);
  await batch.close(); // `sleep` ignores its stdin closing: killed after the grace period
  expect(await again).toMatchObject({ message: expect.stringMatching(/restarted/) });
  await expect(batch.read("HEAD")).rejects.toThrow(/closed/);
});

test("output that is not cat-file's fails what waits and kills the child", async () => {
  // `cat` echoes the request: not a header cat-file would write.
  const batch = new CatFileBatch({ cwd: await tmp("kf-cat-"), env, timeoutMs: 10_000, argv: ["cat"] });
  const read = batch.read("HEAD");
  const pid = batch.pid!;
  await expect(read).rejects.toThrow(/unexpected header "HEAD"/);
  await expect.poll(() => alive(pid)).toBe(false);
});

test("a child that cannot start, or exits, fails what waits with its reason", async () => {
  const missing = new CatFileBatch({ cwd: await tmp("kf-cat-"), env, timeoutMs: 10_000, argv: ["/nonexistent/git"] });
  await expect(missing.read("HEAD")).rejects.toThrow(/ENOENT/);
  const exits = new CatFileBatch({ cwd: await tmp("kf-cat-"), env, timeoutMs: 10_000, argv: [process.execPath, "-e", "process.stderr.write('broken\\n'); process.exit(3)"] });
  await expect(exits.read("HEAD")).rejects.toThrow(/exited \(code 3\): broken/);
});

test("a name that would be two request lines is refused before it reaches the child", async () => {
  const batch = new CatFileBatch({ cwd: await tmp("kf-cat-"), env, timeoutMs: 10_000, argv: ["cat"] });
  await expect(batch.read("HEAD\nrefs/heads/x")).rejects.toThrow(/line break/);
  expect(batch.started).toBe(0);
});
