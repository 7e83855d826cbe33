// The block koji-fleet owns inside a file others edit too (pg_hba.conf, /etc/hosts): the lines
// between `# BEGIN koji-fleet` and `# END koji-fleet`. Pure text; every line outside the
// markers is kept byte for byte.

export const BLOCK_BEGIN = "# BEGIN koji-fleet";
export const BLOCK_END = "# END koji-fleet";

export interface Block {
  /** Line indexes of the markers. */
  begin: number;
  end: number;
  /** The lines between the markers, as written. */
  body: string[];
}

export const splitLines = (text: string): string[] => (text === "" ? [] : text.replace(/\n$/, "").split("\n"));
const joinLines = (lines: readonly string[]): string => (lines.length === 0 ? "" : `${lines.join("\n")}\n`);

/** Our block's position; throws on unbalanced or repeated markers (never guess there). `file` names it in the error. */
export function findBlock(lines: readonly string[], file: string): Block | null {
  const begins = lines.flatMap((l, i) => (l.trim() === BLOCK_BEGIN ? [i] : []));
  const ends = lines.flatMap((l, i) => (l.trim() === BLOCK_END ? [i] : []));
  if (begins.length === 0 && ends.length === 0) return null;
  if (begins.length !== 1 || ends.length !== 1 || ends[0]! < begins[0]!) {
    throw new Error(`${file} has ${begins.length} '${BLOCK_BEGIN}' and ${ends.length} '${BLOCK_END}' lines out of order; fix it by hand`);
  }
  const [begin, end] = [begins[0]!, ends[0]!];
  return { begin, end, body: lines.slice(begin + 1, end) };
}

/**
 * `text` with the block holding `body`. With `placeAt`, the block goes before line
 * `placeAt(others)` of the other lines (-1: at the end); without, it stays where it is, or is
 * appended.
 */
export function spliceBlock(text: string, file: string, body: readonly string[], placeAt?: (others: readonly string[]) => number): string {
  const lines = splitLines(text);
  const block = findBlock(lines, file);
  const ours = [BLOCK_BEGIN, ...body, BLOCK_END];
  if (placeAt === undefined) return joinLines(block ? [...lines.slice(0, block.begin), ...ours, ...lines.slice(block.end + 1)] : [...lines, ...ours]);
  const others = block ? [...lines.slice(0, block.begin), ...lines.slice(block.end + 1)] : lines;
  const at = placeAt(others);
  return joinLines(at === -1 ? [...others, ...ours] : [...others.slice(0, at), ...ours, ...others.slice(at)]);
}

/** `text` without the block (unchanged when it has none). */
export function removeBlock(text: string, file: string): string {
  const lines = splitLines(text);
  const block = findBlock(lines, file);
  return block ? joinLines([...lines.slice(0, block.begin), ...lines.slice(block.end + 1)]) : text;
}
