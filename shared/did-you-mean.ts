// "did you mean …?" for a mistyped enumeration value (a role, an event type, a subcommand):
// the closest allowed value by edit distance, when it is close enough to be the intent.

/** Levenshtein distance: insertions, deletions and substitutions of one character each. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The allowed value closest to `value`, or null when none is within 2 edits and a third of its
 * length (so 'x' suggests nothing, 'lookasde' suggests 'lookaside'). Ties: the first in `allowed`.
 */
export function closest(value: string, allowed: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = editDistance(value.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== null && best !== value && bestDistance <= Math.min(2, Math.ceil(Math.max(value.length, best.length) / 3)) ? best : null;
}

/** " (did you mean 'x'?)" or "". */
export const didYouMean = (value: string, allowed: readonly string[]): string => {
  const c = closest(value, allowed);
  return c === null ? "" : ` (did you mean '${c}'?)`;
};
