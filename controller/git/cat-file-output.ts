// What `git cat-file --batch` writes to its stdout, split back into answers. Pure: the
// process (cat-file.ts) feeds it the chunks as they arrive, in whatever sizes the pipe gives.
//
// One answer per request line, in order:
//   "<oid> <type> <size>\n" then <size> bytes of content and "\n"
//   "<name> missing\n" or "<name> ambiguous\n" (a short oid matching several objects)

export type BatchAnswer =
  | { kind: "object"; oid: string; type: string; content: Buffer }
  | { kind: "missing"; name: string; reason: "missing" | "ambiguous" };

/** Bytes that are not cat-file's format: the stream cannot be trusted from here on. */
export class BatchProtocolError extends Error {}

/** Longer than any header git writes (an oid, a type, a size; or a requested name). */
const MAX_HEADER = 64 * 1024;

export class BatchOutput {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The header of the object whose content is still arriving. */
  private current: { oid: string; type: string; size: number } | null = null;

  /** Takes the next bytes of stdout; returns the answers they complete, in order. */
  push(chunk: Buffer): BatchAnswer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const answers: BatchAnswer[] = [];
    for (;;) {
      const answer = this.current ? this.content(this.current) : this.header();
      if (!answer) return answers;
      answers.push(answer);
    }
  }

  /** Bytes received that belong to no complete answer yet. */
  get pending(): number {
    return this.buffered;
  }

  private header(): BatchAnswer | null {
    const buf = this.joined();
    const nl = buf.indexOf(0x0a);
    if (nl < 0) {
      if (buf.length > MAX_HEADER) throw new BatchProtocolError(`no header line in ${buf.length} bytes`);
      return null;
    }
    const line = buf.toString("utf8", 0, nl);
    this.consume(nl + 1);
    const object = /^([0-9a-f]{40}|[0-9a-f]{64}) ([a-z]+) (\d+)$/.exec(line);
    if (object) {
      this.current = { oid: object[1]!, type: object[2]!, size: Number(object[3]) };
      return this.content(this.current);
    }
    const missing = /^(.*) (missing|ambiguous)$/s.exec(line);
    if (missing) return { kind: "missing", name: missing[1]!, reason: missing[2] as "missing" | "ambiguous" };
    throw new BatchProtocolError(`unexpected header ${JSON.stringify(line.slice(0, 200))}`);
  }

  private content(h: { oid: string; type: string; size: number }): BatchAnswer | null {
    if (this.buffered < h.size + 1) return null;
    const buf = this.joined();
    if (buf[h.size] !== 0x0a) throw new BatchProtocolError(`object ${h.oid}: no newline after its ${h.size} bytes`);
    const content = Buffer.from(buf.subarray(0, h.size)); // a copy: the rest of the chunk is not kept alive by it
    this.consume(h.size + 1);
    this.current = null;
    return { kind: "object", oid: h.oid, type: h.type, content };
  }

  /** The buffered bytes as one buffer (joined only when looked at, so a large blob is copied once). */
  private joined(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0]!;
  }

  private consume(n: number): void {
    const rest = this.joined().subarray(n);
    this.chunks = [rest];
    this.buffered = rest.length;
  }
}
