// Git's commit and tree objects as `git cat-file --batch` hands them over, parsed the way git's
// own formatting reads them (pretty.c, tree-walk.c), so GitSource answers as `git log` and
// `git ls-tree` did without a process per question. Pure: bytes in, values out.

export interface ParsedCommit {
  tree: string;
  /** %an and %ae: the author line as written (no .mailmap), in UTF-8. */
  author: string;
  authorEmail: string;
  /** The author date, ISO 8601 UTC (%aI's instant). */
  date: string;
  /** %s: the first paragraph of the message, its lines joined by a space. */
  subject: string;
}

export type TreeEntryType = "blob" | "tree" | "commit";

export interface TreeEntry {
  /** Octal, as git writes it: "100644", "100755", "120000" (symlink), "40000", "160000" (gitlink). */
  mode: string;
  name: string;
  oid: string;
  type: TreeEntryType;
}

/** Thrown on bytes that are not the object they should be; the caller says which object. */
export class MalformedObject extends Error {}

/** A commit object's headers and subject. Text is decoded in the commit's `encoding` (UTF-8 unless it names another). */
export function parseCommit(raw: Uint8Array): ParsedCommit {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const end = buf.indexOf("\n\n");
  const headerLines = buf.subarray(0, end < 0 ? buf.length : end).toString("latin1").split("\n");
  const header = (key: string): string | undefined => headerLines.find((l) => l.startsWith(`${key} `))?.slice(key.length + 1);
  const decode = decoder(header("encoding"));
  const tree = header("tree");
  const authorLine = header("author");
  if (!tree || !/^[0-9a-f]{40,64}$/.test(tree) || authorLine === undefined) throw new MalformedObject("not a commit: no tree or author header");
  const ident = parseIdent(decode(Buffer.from(authorLine, "latin1")));
  return { tree, ...ident, subject: end < 0 ? "" : subjectOf(decode(buf.subarray(end + 2))) };
}

/** "Name <email> 1700000000 +0100" (git's split_ident_line): the date's instant, in UTC. */
function parseIdent(line: string): { author: string; authorEmail: string; date: string } {
  const lt = line.indexOf("<");
  const gt = line.indexOf(">", lt + 1);
  const seconds = Number(/^\s*(\d+)/.exec(line.slice(gt + 1))?.[1]);
  if (lt < 0 || gt < 0 || !Number.isSafeInteger(seconds)) throw new MalformedObject(`unreadable author line: ${JSON.stringify(line)}`);
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) throw new MalformedObject(`author date out of range: ${seconds}`);
  return { author: line.slice(0, lt).replace(/[ \t\n\r]+$/, ""), authorEmail: line.slice(lt + 1, gt), date: date.toISOString() };
}

/**
 * pretty.c's format_subject: blank lines skipped, then the lines up to the next blank one,
 * each without its trailing whitespace, joined by a space.
 */
export function subjectOf(message: string): string {
  const lines = message.split("\n").map((l) => l.replace(/[ \t\n\r]+$/, ""));
  const start = lines.findIndex((l) => l !== "");
  if (start < 0) return "";
  const stop = lines.indexOf("", start);
  return lines.slice(start, stop < 0 ? undefined : stop).join(" ");
}

function decoder(encoding: string | undefined): (b: Uint8Array) => string {
  let d: TextDecoder;
  try {
    d = new TextDecoder(encoding?.trim() || "utf-8");
  } catch {
    d = new TextDecoder("utf-8"); // an encoding Node does not know: git would keep the bytes too
  }
  return (b) => d.decode(b);
}

/** A tree object's entries in git's order: "<mode> <name>\0<raw oid>" repeated. */
export function parseTree(raw: Uint8Array, oidBytes = 20): TreeEntry[] {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const entries: TreeEntry[] = [];
  let at = 0;
  while (at < buf.length) {
    const space = buf.indexOf(0x20, at);
    const nul = buf.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 1 + oidBytes > buf.length) throw new MalformedObject(`truncated tree entry at byte ${at}`);
    const mode = buf.toString("latin1", at, space);
    if (!/^[0-7]{5,6}$/.test(mode)) throw new MalformedObject(`bad mode ${JSON.stringify(mode)} at byte ${at}`);
    entries.push({ mode, name: buf.toString("utf8", space + 1, nul), oid: buf.toString("hex", nul + 1, nul + 1 + oidBytes), type: entryType(mode) });
    at = nul + 1 + oidBytes;
  }
  return entries;
}

function entryType(mode: string): TreeEntryType {
  if (mode === "40000" || mode === "040000") return "tree";
  if (mode === "160000") return "commit";
  return "blob";
}

/**
 * git's default abbreviation length (core.abbrev unset, "auto"): enough hex digits for the
 * packed object count, never fewer than 7 (object-name.c, find_unique_abbrev_r).
 */
export function abbrevLength(packedObjects: number): number {
  let bits = 0;
  for (let n = Math.max(0, Math.floor(packedObjects)); n > 1; n = Math.floor(n / 2)) bits++;
  return Math.max(7, Math.ceil((bits + 1) / 2));
}

/** The first bytes of a pack index that hold its object count. */
export const PACK_INDEX_HEADER_BYTES = 8 + 256 * 4;

/** The object count in a pack index's header: the last of its 256 fan-out entries (v2 puts magic and version first). */
export function packIndexCount(header: Uint8Array): number | null {
  const buf = Buffer.from(header.buffer, header.byteOffset, header.byteLength);
  const v2 = buf.length >= 8 && buf.readUInt32BE(0) === 0xff744f63;
  if (v2 && buf.readUInt32BE(4) !== 2) return null;
  const at = (v2 ? 8 : 0) + 255 * 4;
  return buf.length < at + 4 ? null : buf.readUInt32BE(at);
}
