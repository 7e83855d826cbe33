// Pieces the probe kinds share: how a result quotes what it saw, user patterns, redaction.
import { Type } from "@sinclair/typebox";

// excerpt and redact are the Koji client's too: they live in shared/quote.ts.
export { excerpt, redact } from "../../shared/quote.js";

/** A POSIX account name for runuser -u (names only: runuser takes no numeric id). */
export const UserName = Type.String({ pattern: "^[a-z_][a-zA-Z0-9_.-]{0,31}\\$?$" });

/** A regular expression in props; compiled at check time (JSON Schema has no "regex" format to check it by). */
export const RegexString = Type.String({ minLength: 1, maxLength: 1024 });

/** Per-request bound, inside the 30 s every probe has. */
export const TimeoutMs = Type.Integer({ minimum: 100, maximum: 25_000 });

/** Bodies beyond this are cut: a probe matches a page or one XML-RPC answer, not a download. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** The regex, or the reason it is not one (a probe with a broken pattern is unhealthy, not a crash). */
export function compileRegex(source: string, prop: string): RegExp | string {
  try {
    return new RegExp(source, "m");
  } catch (err) {
    return `invalid ${prop} ${JSON.stringify(source)}: ${(err as Error).message}`;
  }
}

export type CheckOutcome = { healthy: boolean; output: string };
export const healthy = (output: string): CheckOutcome => ({ healthy: true, output });
export const unhealthy = (output: string): CheckOutcome => ({ healthy: false, output });
