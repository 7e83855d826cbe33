// What a message may quote of what it saw: a little of it, on one line, with secrets cut out.
// Probe outputs and the Koji client's errors both quote answers this way.

const EXCERPT_CHARS = 240;

/**
 * What was seen, on one line: trimmed, line breaks shown as ⏎, capped. An output must fit on
 * a status line, so a message quotes a little of what it saw rather than all of it.
 */
export function excerpt(text: string, max = EXCERPT_CHARS): string {
  const flat = text.trim().replace(/\s*\r?\n\s*/g, " ⏎ ");
  if (flat === "") return "(empty)";
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** Cuts secrets (and values derived from them) out of any text that may reach an output. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join("[redacted]");
  return out;
}
