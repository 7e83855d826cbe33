import * as fs from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FileStat } from "../providers/files.js";
import { directoryKind, type DirectoryObserved, type DirectoryProps } from "./directory.js";
import { cycle, kindContext, tempRoot } from "../../test/support/kinds.js";

const stat = (over: Partial<FileStat> = {}): FileStat => ({ type: "directory", mode: 0o755, uid: 0, gid: 0, size: 4096, dev: 1, ino: 1, ctimeMs: 1, ...over });
const P = (over: Partial<DirectoryProps> = {}): DirectoryProps => ({ path: "/srv/koji", ...over });
const O = (over: Partial<DirectoryObserved> = {}): DirectoryObserved => ({ stat: stat(), missingParents: [], want: {}, ...over });

describe("directory diff", () => {
  it.each<[string, DirectoryProps, DirectoryObserved, string[]]>([
    ["missing directory → create", P(), O({ stat: null }), ["absent → present"]],
    ["missing parents → created too, named in the line", P(), O({ stat: null, missingParents: ["/srv"] }), ["absent → present (creating missing parents /srv with mode 0755)"]],
    ["same mode → no change", P(), O(), []],
    ["default mode is 0755 → wrong mode is chmod only", P(), O({ stat: stat({ mode: 0o700 }) }), ["mode 0700 → 0755"]],
    ["managed owner differs → chown", P({ owner: "koji" }), O({ want: { uid: 989 } }), ["owner 0 → 989"]],
    ["file in the way → reported (apply refuses)", P(), O({ stat: stat({ type: "file" }) }), ["file → directory"]],
    ["ensure absent, present → remove", P({ ensure: "absent" }), O(), ["present → absent"]],
    ["ensure absent, a file there → not ours, no change", P({ ensure: "absent" }), O({ stat: stat({ type: "file" }) }), []],
  ])("%s", (_name, props, observed, want) => {
    expect(directoryKind.diff(props, observed)).toEqual(want);
  });
});

describe("directory apply (real temp root)", () => {
  let root: string;
  beforeEach(() => {
    root = tempRoot();
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("outside sandbox, missing parent → apply fails naming it, nothing created", async () => {
    await expect(cycle(directoryKind, P({ path: "/mnt/koji/work" }), kindContext(root, { sandbox: false }))).rejects.toThrow(
      "parent directory /mnt/koji of /mnt/koji/work does not exist (manage it with a directory resource and require it)",
    );
    expect(fs.existsSync(join(root, "mnt"))).toBe(false);
  });

  it("in sandbox, missing directory and parents → created like mkdir -p, exact mode on the leaf", async () => {
    const r = await cycle(directoryKind, P({ path: "/mnt/koji/work", mode: "2775" }), kindContext(root));
    expect(r).toEqual({ before: ["absent → present (creating missing parents /mnt, /mnt/koji with mode 0755)"], after: [] });
    expect(fs.statSync(join(root, "mnt/koji")).mode & 0o7777).toBe(0o755);
    expect(fs.statSync(join(root, "mnt/koji/work")).mode & 0o7777).toBe(0o2775);
  });

  it("directory with wrong mode → chmod, contents untouched", async () => {
    fs.mkdirSync(join(root, "srv/koji"), { recursive: true, mode: 0o700 });
    fs.chmodSync(join(root, "srv/koji"), 0o700);
    fs.writeFileSync(join(root, "srv/koji/keep"), "x");
    expect(await cycle(directoryKind, P(), kindContext(root))).toEqual({ before: ["mode 0700 → 0755"], after: [] });
    expect(fs.readFileSync(join(root, "srv/koji/keep"), "utf8")).toBe("x");
  });

  it("ensure absent on a non-empty directory → refuses to remove recursively", async () => {
    fs.mkdirSync(join(root, "srv/koji"), { recursive: true });
    fs.writeFileSync(join(root, "srv/koji/keep"), "x");
    await expect(cycle(directoryKind, P({ ensure: "absent" }), kindContext(root))).rejects.toThrow("/srv/koji is not empty; refusing to remove it recursively");
  });

  it("file in the way → apply refuses", async () => {
    fs.mkdirSync(join(root, "srv"));
    fs.writeFileSync(join(root, "srv/koji"), "x");
    await expect(cycle(directoryKind, P(), kindContext(root))).rejects.toThrow("/srv/koji is a file; refusing to replace it with a directory");
  });
});
