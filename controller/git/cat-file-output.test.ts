import { expect, test } from "vitest";
import { BatchOutput, BatchProtocolError, type BatchAnswer } from "./cat-file-output.js";

const OID_A = "a".repeat(40);
const OID_B = "b".repeat(40);
const BLOB = Buffer.from([0x0a, 0x00, 0xff, 0x0a, 0x20]); // newlines and NUL inside content
const STREAM = Buffer.concat([
  Buffer.from(`${OID_A} blob ${BLOB.length}\n`),
  BLOB,
  Buffer.from("\nHEAD~9 missing\nabc1 ambiguous\n"),
  Buffer.from(`${OID_B} tree 0\n\n`),
  Buffer.from("my branch:a path missing\n"),
]);
const EXPECTED: BatchAnswer[] = [
  { kind: "object", oid: OID_A, type: "blob", content: BLOB },
  { kind: "missing", name: "HEAD~9", reason: "missing" },
  { kind: "missing", name: "abc1", reason: "ambiguous" },
  { kind: "object", oid: OID_B, type: "tree", content: Buffer.alloc(0) },
  { kind: "missing", name: "my branch:a path", reason: "missing" },
];

test("the same answers whatever the pipe's chunk sizes (every split point, and byte by byte)", () => {
  for (let cut = 0; cut <= STREAM.length; cut++) {
    const out = new BatchOutput();
    expect([...out.push(STREAM.subarray(0, cut)), ...out.push(STREAM.subarray(cut))]).toEqual(EXPECTED);
    expect(out.pending).toBe(0);
  }
  const out = new BatchOutput();
  const answers: BatchAnswer[] = [];
  for (const byte of STREAM) answers.push(...out.push(Buffer.from([byte])));
  expect(answers).toEqual(EXPECTED);
});

test("a large object arriving in pipe-sized chunks is answered once, whole", () => {
  const big = Buffer.alloc(1 << 20, 7);
  const stream = Buffer.concat([Buffer.from(`${OID_A} blob ${big.length}\n`), big, Buffer.from("\n")]);
  const out = new BatchOutput();
  const answers: BatchAnswer[] = [];
  for (let at = 0; at < stream.length; at += 65536) answers.push(...out.push(stream.subarray(at, at + 65536)));
  expect(answers).toHaveLength(1);
  expect(Buffer.compare((answers[0] as { content: Buffer }).content, big)).toBe(0);
});

test("SHA-256 oids are read too", () => {
  expect(new BatchOutput().push(Buffer.from(`${"c".repeat(64)} commit 1\nx\n`))).toEqual([{ kind: "object", oid: "c".repeat(64), type: "commit", content: Buffer.from("x") }]);
});

test("what is not cat-file's format is refused: the stream cannot be trusted after it", () => {
  expect(() => new BatchOutput().push(Buffer.from("fatal: not a git repository\n"))).toThrow(BatchProtocolError);
  expect(() => new BatchOutput().push(Buffer.from(`${OID_A} blob 2\nabX`))).toThrow(/no newline after its 2 bytes/);
  expect(() => new BatchOutput().push(Buffer.alloc(70_000, 0x41))).toThrow(/no header line/);
});
