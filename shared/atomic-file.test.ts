// writeNewFile places a file that must not exist yet: whatever is at the path when it links
// (a file made after the caller's check, a planted symlink) stays as it was.
import { lstat, readdir, readFile, readlink, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTmpDirs } from "../test/support/tmp.js";
import { writeNewFile } from "./atomic-file.js";

const tmp = useTmpDirs();

describe("writeNewFile", () => {
  it("writes a new file whole with its mode and leaves no temp file", async () => {
    const dir = await tmp();
    await writeNewFile(join(dir, "a.key"), "secret\n", 0o600);
    expect(await readFile(join(dir, "a.key"), "utf8")).toBe("secret\n");
    expect((await stat(join(dir, "a.key"))).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(["a.key"]);
  });

  it("a file already at the path is not replaced: EEXIST, its content unchanged, no temp file left", async () => {
    const dir = await tmp();
    const target = join(dir, "a.crt");
    await writeFile(target, "someone else's\n", { mode: 0o644 });
    await expect(writeNewFile(target, "ours\n", 0o644)).rejects.toMatchObject({ code: "EEXIST" });
    expect(await readFile(target, "utf8")).toBe("someone else's\n");
    expect(await readdir(dir)).toEqual(["a.crt"]);
  });

  it("a symlink at the path is neither followed nor replaced", async () => {
    const dir = await tmp();
    const target = join(dir, "a.key");
    await symlink(join(dir, "elsewhere"), target);
    await expect(writeNewFile(target, "ours\n")).rejects.toMatchObject({ code: "EEXIST" });
    expect((await lstat(target)).isSymbolicLink()).toBe(true);
    expect(await readlink(target)).toBe(join(dir, "elsewhere"));
    expect(await readdir(dir)).toEqual(["a.key"]);
  });
});
