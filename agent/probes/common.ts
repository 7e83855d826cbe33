// Pieces the probe kinds share: how a result quotes what it saw, user patterns, redaction.
import { Type } from "@sinclair/typebox";

/** A POSIX account name for runuser -u (names only: runuser takes no numeric id). */
export const UserName = Type.String({ pattern: "^[a-z_][a-zA-Z0-9_.-]{0,31}\\$?$" });

/** A regular expression in props; compiled at check time (JSON Schema has no "regex" format to check it by). */
export const RegexString = Type.String({ minLength: 1, maxLength: 1024 });

/** Per-request bound, inside the 30 s every probe has. */
export const TimeoutMs = Type.Integer({ minimum: 100, maximum: 25_000 });

const EXCERPT_CHARS = 240;

/**
 * What was seen, on one line: trimmed, line breaks shown as ⏎, capped. An output must fit on
 * a status line, so a probe quotes a little of what it saw rather than all of it.
 */
export function excerpt(text: string, max = EXCERPT_CHARS): string {
  const flat = text.trim().replace(/\s*\r?\n\s*/g, " ⏎ ");
  if (flat === "") return "(empty)";
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** The regex, or the reason it is not one (a probe with a broken pattern is unhealthy, not a crash). */
export function compileRegex(source: string, prop: string): RegExp | string {
  try {
    return new RegExp(source, "m");
  } catch (err) {
    return `invalid ${prop} ${JSON.stringify(source)}: ${(err as Error).message}`;
  }
}

/** Cuts secrets (and values derived from them) out of any text that may reach an output. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join("[redacted]");
  return out;
}

export type CheckOutcome = { healthy: boolean; output: string };
export const healthy = (output: string): CheckOutcome => ({ healthy: true, output });
export const unhealthy = (output: string): CheckOutcome => ({ healthy: false, output });
