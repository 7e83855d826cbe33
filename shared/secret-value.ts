// What an operator may give as a secret's value (`koji-fleet secret set`, POST /api/v1/secrets/NAME).
// The CLI and the controller both check it; neither ever puts the value in a message.

/** Longer than any password or cookie key; keeps a mistaken file (a key, a tarball) out. */
export const SECRET_VALUE_MAX = 4096;

/**
 * The value without one trailing line break (`echo … >file`, an editor's last newline): a
 * config line such as `DBPass = …` cannot hold one. `stripped` says whether there was one.
 */
export function stripTrailingNewline(raw: string): { value: string; stripped: boolean } {
  const value = raw.replace(/\r?\n$/, "");
  return { value, stripped: value !== raw };
}

/** Why a value cannot be a secret, or null. The reason never quotes the value. */
export function secretValueProblem(value: string): string | null {
  if (value.length === 0) return "the value is empty";
  if (value.length > SECRET_VALUE_MAX) return `the value is ${value.length} characters long; at most ${SECRET_VALUE_MAX}`;
  // The agent puts values into config lines (hub.conf's DBPass, web.conf's Secret).
  if (/[\r\n]/.test(value)) return "the value holds a line break: it would end the config line it goes into";
  if (/[\0-\x08\x0b-\x1f\x7f]/.test(value)) return "the value holds a control character";
  return null;
}
