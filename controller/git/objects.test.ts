import { describe, expect, test } from "vitest";
import { abbrevLength, MalformedObject, packIndexCount, parseCommit, parseTree, subjectOf } from "./objects.js";

const TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
const commit = (lines: string[], message: string): Buffer => Buffer.from(`${lines.join("\n")}\n\n${message}`, "utf8");

describe("parseCommit", () => {
  test("tree, author, email, the date's instant in UTC, the subject", () => {
    const c = parseCommit(commit([`tree ${TREE}`, `parent ${"a".repeat(40)}`, "author Ann Example <ann@example.org> 1772388000 +0530", "committer C <c@x> 1772388999 -0700"], "add web-2\n\nbody\n"));
    expect(c).toEqual({ tree: TREE, author: "Ann Example", authorEmail: "ann@example.org", date: "2026-03-01T18:00:00.000Z", subject: "add web-2" });
  });

  test("a signed commit: the signature's continuation lines are not headers", () => {
    const signed = commit([`tree ${TREE}`, "author A <a@x> 0 +0000", "committer A <a@x> 0 +0000", "gpgsig -----BEGIN PGP SIGNATURE-----", " author Mallory <m@x> 1 +0000", " -----END PGP SIGNATURE-----"], "signed\n");
    expect(parseCommit(signed)).toMatchObject({ author: "A", date: "1970-01-01T00:00:00.000Z", subject: "signed" });
  });

  test("the commit's encoding header decodes name and message", () => {
    const latin1 = Buffer.concat([Buffer.from(`tree ${TREE}\nauthor `), Buffer.from("Zoë <z@x> 5 +0100\nencoding ISO-8859-1\n\ncaf\u00e9\n", "latin1")]);
    expect(parseCommit(latin1)).toMatchObject({ author: "Zoë", subject: "café" });
  });

  test("no message at all: an empty subject", () => {
    expect(parseCommit(Buffer.from(`tree ${TREE}\nauthor A <a@x> 0 +0000\ncommitter A <a@x> 0 +0000\n`)).subject).toBe("");
  });

  test("bytes that are not a commit are refused", () => {
    expect(() => parseCommit(Buffer.from("hello\n\nworld"))).toThrow(MalformedObject);
    expect(() => parseCommit(commit([`tree ${TREE}`, "author nobody"], "x"))).toThrow(/unreadable author line/);
  });
});

test("subjectOf joins the first paragraph like git's %s", () => {
  expect(subjectOf("\n \nfirst  \n\tsecond\r\n\nbody\n")).toBe("first \tsecond");
  expect(subjectOf("only")).toBe("only");
  expect(subjectOf("\n\n")).toBe("");
});

describe("parseTree", () => {
  const entry = (mode: string, name: string, oid: string): Buffer => Buffer.concat([Buffer.from(`${mode} ${name}\0`), Buffer.from(oid, "hex")]);

  test("modes, names (any bytes but NUL and the oid after them) and types", () => {
    const raw = Buffer.concat([
      entry("100644", "README.md", "11".repeat(20)),
      entry("100755", "run me.sh", "22".repeat(20)),
      entry("120000", "link", "33".repeat(20)),
      entry("40000", "hosts", "44".repeat(20)),
      entry("160000", "sub", "55".repeat(20)),
    ]);
    expect(parseTree(raw)).toEqual([
      { mode: "100644", name: "README.md", oid: "11".repeat(20), type: "blob" },
      { mode: "100755", name: "run me.sh", oid: "22".repeat(20), type: "blob" },
      { mode: "120000", name: "link", oid: "33".repeat(20), type: "blob" },
      { mode: "40000", name: "hosts", oid: "44".repeat(20), type: "tree" },
      { mode: "160000", name: "sub", oid: "55".repeat(20), type: "commit" },
    ]);
  });

  test("an oid byte that looks like a space, NUL or newline does not cut the entry", () => {
    const oid = "20000a" + "ff".repeat(17);
    expect(parseTree(Buffer.concat([entry("100644", "a", oid), entry("100644", "b", "00".repeat(20))])).map((e) => [e.name, e.oid])).toEqual([["a", oid], ["b", "00".repeat(20)]]);
  });

  test("SHA-256 repositories: 32-byte oids", () => {
    expect(parseTree(entry("100644", "f", "ab".repeat(32)), 32)).toEqual([{ mode: "100644", name: "f", oid: "ab".repeat(32), type: "blob" }]);
  });

  test("empty tree; truncated or malformed entries are refused", () => {
    expect(parseTree(Buffer.alloc(0))).toEqual([]);
    expect(() => parseTree(entry("100644", "f", "ab".repeat(20)).subarray(0, 20))).toThrow(/truncated/);
    expect(() => parseTree(entry("10x644", "f", "ab".repeat(20)))).toThrow(/bad mode/);
  });
});

test("abbrevLength: 7 up to 2^14 packed objects, then one digit more per 8 bits", () => {
  expect([0, 1, 16383, 16384, 65535, 65536, 2 ** 20].map(abbrevLength)).toEqual([7, 7, 7, 8, 8, 9, 11]);
});

test("packIndexCount reads the last fan-out entry of a v2 or v1 index", () => {
  const v2 = Buffer.alloc(8 + 256 * 4);
  v2.writeUInt32BE(0xff744f63, 0);
  v2.writeUInt32BE(2, 4);
  v2.writeUInt32BE(1234, 8 + 255 * 4);
  expect(packIndexCount(v2)).toBe(1234);
  const v1 = Buffer.alloc(256 * 4);
  v1.writeUInt32BE(77, 255 * 4);
  expect(packIndexCount(v1)).toBe(77);
  expect(packIndexCount(v2.subarray(0, 100))).toBeNull();
  v2.writeUInt32BE(3, 4);
  expect(packIndexCount(v2)).toBeNull();
});
