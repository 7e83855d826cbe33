import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FileStat } from "../providers/files.js";
import { fileKind, type FileObserved, type FileProps } from "./file.js";
import { cycle, kindContext, tempRoot } from "../../test/support/kinds.js";

const sha = (s: string): string => createHash("sha256").update(s).digest("hex");
const stat = (over: Partial<FileStat> = {}): FileStat => ({ type: "file", mode: 0o644, uid: 0, gid: 0, size: 1, dev: 1, ino: 1, ctimeMs: 1, ...over });
const P = (over: Partial<FileProps> = {}): FileProps => ({ path: "/etc/koji.conf", content: "new", ...over });
const O = (over: Partial<FileObserved> = {}): FileObserved => ({ stat: stat(), sha256: sha("new"), want: {}, ...over });

describe("file diff", () => {
  it.each<[string, FileProps, FileObserved, string[]]>([
    ["missing file → create", P(), O({ stat: null, sha256: null }), ["absent → present"]],
    ["same content and mode → no change", P(), O(), []],
    ["file with wrong mode → chmod only", P(), O({ stat: stat({ mode: 0o600 }) }), ["mode 0600 → 0644"]],
    ["mode given → compared with it", P({ mode: "0640" }), O(), ["mode 0644 → 0640"]],
    ["setgid mode → four digits", P({ mode: "2755" }), O(), ["mode 0644 → 02755"]],
    ["different content → rewrite named by hashes", P(), O({ sha256: sha("old") }), [`content differs (sha256 ${sha("old").slice(0, 12)}… → ${sha("new").slice(0, 12)}…)`]],
    ["managed owner differs → chown", P({ owner: "apache" }), O({ want: { uid: 48 } }), ["owner 0 → 48"]],
    ["managed group differs → chgrp", P({ group: "apache" }), O({ want: { gid: 48 } }), ["group 0 → 48"]],
    ["sandbox (owner not resolved) → owner never diffed", P({ owner: "apache" }), O({ stat: stat({ uid: 1000 }) }), []],
    ["no content given → content left alone", P({ content: undefined }), O({ sha256: null }), []],
    ["symlink in the way → reported (apply refuses: never replaced, never followed)", P(), O({ stat: stat({ type: "symlink" }), sha256: null }), ["symlink → file"]],
    ["directory in the way → reported (apply refuses)", P(), O({ stat: stat({ type: "directory" }), sha256: null }), ["directory → file"]],
    ["ensure absent, file present → remove", P({ ensure: "absent" }), O(), ["present → absent"]],
    ["ensure absent, already absent → no change", P({ ensure: "absent" }), O({ stat: null }), []],
  ])("%s", (_name, props, observed, want) => {
    expect(fileKind.diff(props, observed)).toEqual(want);
  });
});

describe("file apply (real temp root)", () => {
  let root: string;
  beforeEach(() => {
    root = tempRoot();
    fs.mkdirSync(join(root, "etc"));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
  const live = (p = "/etc/koji.conf") => join(root, p);

  it("missing file → created with content and mode, then converged", async () => {
    const r = await cycle(fileKind, P({ content: "a=1\n", mode: "0600" }), kindContext(root));
    expect(r).toEqual({ before: ["absent → present"], after: [] });
    expect(fs.readFileSync(live(), "utf8")).toBe("a=1\n");
    expect(fs.statSync(live()).mode & 0o777).toBe(0o600);
  });

  it("file with wrong mode → chmod only (same inode, content untouched)", async () => {
    fs.writeFileSync(live(), "new", { mode: 0o600 });
    fs.chmodSync(live(), 0o600);
    const inode = fs.statSync(live()).ino;
    const r = await cycle(fileKind, P(), kindContext(root));
    expect(r).toEqual({ before: ["mode 0600 → 0644"], after: [] });
    expect(fs.statSync(live()).ino).toBe(inode);
  });

  it("contentBase64 → binary content written", async () => {
    await cycle(fileKind, P({ content: undefined, contentBase64: Buffer.from([0, 255, 10]).toString("base64") }), kindContext(root));
    expect([...fs.readFileSync(live())]).toEqual([0, 255, 10]);
  });

  it("content and contentBase64 together → observe fails", async () => {
    await expect(fileKind.observe(P({ contentBase64: "eA==" }), kindContext(root))).rejects.toThrow("set content or contentBase64, not both");
  });

  it("directory in the way → apply refuses", async () => {
    fs.mkdirSync(live());
    await expect(cycle(fileKind, P(), kindContext(root))).rejects.toThrow("/etc/koji.conf is a directory; refusing to replace it with a file");
  });

  it("outside sandbox, missing parent directory → apply fails naming the parent to manage", async () => {
    await expect(cycle(fileKind, P({ path: "/opt/koji/x.conf" }), kindContext(root, { sandbox: false }))).rejects.toThrow(
      "parent directory /opt/koji of /opt/koji/x.conf does not exist (manage it with a directory resource and require it)",
    );
    expect(fs.existsSync(join(root, "opt"))).toBe(false);
  });

  it("in sandbox, missing parents (what the OS would provide) → created 0755, then the file", async () => {
    expect(await cycle(fileKind, P({ path: "/opt/koji/x.conf" }), kindContext(root))).toEqual({ before: ["absent → present"], after: [] });
    expect(fs.statSync(join(root, "opt/koji")).mode & 0o7777).toBe(0o755);
    expect(fs.readFileSync(join(root, "opt/koji/x.conf"), "utf8")).toBeTypeOf("string");
  });

  it("ensure absent → file removed", async () => {
    fs.writeFileSync(live(), "x");
    expect(await cycle(fileKind, P({ ensure: "absent" }), kindContext(root))).toEqual({ before: ["present → absent"], after: [] });
    expect(fs.existsSync(live())).toBe(false);
  });

  const asRoot = process.getuid?.() === 0;
  it.skipIf(!asRoot)("outside sandbox, owner managed → chown to the resolved id", async () => {
    fs.writeFileSync(live(), "new");
    fs.chmodSync(live(), 0o644);
    const r = await cycle(fileKind, P({ owner: "1234", group: "root" }), kindContext(root, { sandbox: false }));
    expect(r).toEqual({ before: ["owner 0 → 1234"], after: [] });
    expect(fs.statSync(live()).uid).toBe(1234);
  });

  it.skipIf(!asRoot)("outside sandbox, owner not managed → rewriting content keeps the current owner", async () => {
    fs.writeFileSync(live(), "old");
    fs.chmodSync(live(), 0o644);
    fs.chownSync(live(), 1234, 1234);
    await cycle(fileKind, P(), kindContext(root, { sandbox: false }));
    expect(fs.statSync(live())).toMatchObject({ uid: 1234, gid: 1234 });
    expect(fs.readFileSync(live(), "utf8")).toBe("new");
  });
});

describe("file props", () => {
  it.each(["A", "AB=", "ab$c", "QUJD=="])("contentBase64 %j that is not strict base64 → rejected by the schema", async (b64) => {
    const { checkProps } = await import("../engine/props.js");
    expect(checkProps(fileKind.schema, { path: "/x", contentBase64: b64 })).toMatch(/contentBase64 must match pattern/);
  });

  it("strict base64 → accepted", async () => {
    const { checkProps } = await import("../engine/props.js");
    expect(checkProps(fileKind.schema, { path: "/x", contentBase64: "QUJD" })).toBeNull();
  });
});
