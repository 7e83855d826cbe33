import * as fs from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FileStat } from "../providers/files.js";
import { symlinkKind, type SymlinkObserved, type SymlinkProps } from "./symlink.js";
import { cycle, kindContext, tempRoot } from "../../test/support/kinds.js";

const stat = (type: FileStat["type"]): FileStat => ({ type, mode: 0o777, uid: 0, gid: 0, size: 1, dev: 1, ino: 1, ctimeMs: 1 });
const P = (over: Partial<SymlinkProps> = {}): SymlinkProps => ({ path: "/etc/pki/koji/current", target: "/etc/pki/koji/v2", ...over });
const O = (over: Partial<SymlinkObserved> = {}): SymlinkObserved => ({ stat: stat("symlink"), target: "/etc/pki/koji/v2", ...over });

describe("symlink diff", () => {
  it.each<[string, SymlinkProps, SymlinkObserved, string[]]>([
    ["missing link → create", P(), O({ stat: null, target: null }), ["absent → present (→ /etc/pki/koji/v2)"]],
    ["same target → no change", P(), O(), []],
    ["other target → relink", P(), O({ target: "/etc/pki/koji/v1" }), ["target /etc/pki/koji/v1 → /etc/pki/koji/v2"]],
    ["regular file in the way → replaced", P(), O({ stat: stat("file"), target: null }), ["file → symlink (→ /etc/pki/koji/v2)"]],
    ["directory in the way → reported (apply refuses)", P(), O({ stat: stat("directory"), target: null }), ["directory → symlink"]],
    ["ensure absent, link present → remove", P({ ensure: "absent" }), O(), ["present → absent"]],
    ["ensure absent, a file there → not ours, no change", P({ ensure: "absent" }), O({ stat: stat("file"), target: null }), []],
  ])("%s", (_name, props, observed, want) => {
    expect(symlinkKind.diff(props, observed)).toEqual(want);
  });
});

describe("symlink apply (real temp root)", () => {
  let root: string;
  beforeEach(() => {
    root = tempRoot();
    fs.mkdirSync(join(root, "etc/pki/koji"), { recursive: true });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("missing → created; wrong target → relinked; target kept literal (not under root)", async () => {
    const ctx = kindContext(root);
    expect((await cycle(symlinkKind, P({ target: "/etc/pki/koji/v1" }), ctx)).after).toEqual([]);
    expect(await cycle(symlinkKind, P(), ctx)).toEqual({ before: ["target /etc/pki/koji/v1 → /etc/pki/koji/v2"], after: [] });
    expect(fs.readlinkSync(join(root, "etc/pki/koji/current"))).toBe("/etc/pki/koji/v2");
  });

  it("ensure absent → link removed, its target untouched", async () => {
    fs.writeFileSync(join(root, "etc/pki/koji/v2"), "cert");
    fs.symlinkSync(join(root, "etc/pki/koji/v2"), join(root, "etc/pki/koji/current"));
    expect((await cycle(symlinkKind, P({ ensure: "absent" }), kindContext(root))).after).toEqual([]);
    expect(fs.existsSync(join(root, "etc/pki/koji/v2"))).toBe(true);
  });
});
