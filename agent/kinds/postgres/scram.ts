// SCRAM-SHA-256 verifiers as PostgreSQL stores them in pg_authid.rolpassword (RFC 5802/7677):
//   SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>   (base64 fields)
// postgres-role uses them twice: to check a stored password against the secret without the
// secret ever reaching the server, and to set one by sending the verifier, never the
// plaintext (which a statement log would otherwise record), as psql's \password does.
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";

const pbkdf2Async = promisify(pbkdf2);

export interface ScramVerifier {
  iterations: number;
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

/** PostgreSQL's defaults (scram_iterations, SCRAM_DEFAULT_SALT_LEN). */
export const SCRAM_ITERATIONS = 4096;
const SALT_BYTES = 16;

const B64 = "[A-Za-z0-9+/]+={0,2}";
const VERIFIER = new RegExp(`^SCRAM-SHA-256\\$([0-9]{1,9}):(${B64})\\$(${B64}):(${B64})$`);

/** null when `text` is not a SCRAM-SHA-256 verifier (an md5 hash, a plaintext, NULL…). */
export function parseScramVerifier(text: string | null): ScramVerifier | null {
  const m = text === null ? null : VERIFIER.exec(text);
  if (!m) return null;
  const [iterations, salt, storedKey, serverKey] = [Number(m[1]), Buffer.from(m[2]!, "base64"), Buffer.from(m[3]!, "base64"), Buffer.from(m[4]!, "base64")];
  if (iterations < 1 || salt.length === 0 || storedKey.length !== 32 || serverKey.length !== 32) return null;
  return { iterations, salt, storedKey, serverKey };
}

// ---- SASLprep (RFC 4013), as PostgreSQL's pg_saslprep applies it ------------------------
// Non-ASCII spaces (C.1.2) → U+0020, first: PostgreSQL checks them before B.1.
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/gu;
// B.1 "commonly mapped to nothing".
const MAPPED_TO_NOTHING = /[\u00AD\u034F\u1806\u180B-\u180D\u200B-\u200D\u2060\uFE00-\uFE0F\uFEFF]/gu;
// C.2–C.9: controls, private use, non-characters, surrogates, tagging and bidi controls.
const PROHIBITED =
  /[\u0000-\u001F\u007F-\u009F\u0340\u0341\u06DD\u070F\u180E\u200C-\u200F\u2028-\u202E\u2060-\u2063\u206A-\u206F\u2FF0-\u2FFB\uD800-\uDFFF\uE000-\uF8FF\uFDD0-\uFDEF\uFEFF\uFFF9-\uFFFF\u{1D173}-\u{1D17A}\u{E0001}\u{E0020}-\u{E007F}\u{F0000}-\u{10FFFF}]|[\u{1FFFE}\u{1FFFF}\u{2FFFE}\u{2FFFF}\u{3FFFE}\u{3FFFF}\u{4FFFE}\u{4FFFF}\u{5FFFE}\u{5FFFF}\u{6FFFE}\u{6FFFF}\u{7FFFE}\u{7FFFF}\u{8FFFE}\u{8FFFF}\u{9FFFE}\u{9FFFF}\u{AFFFE}\u{AFFFF}\u{BFFFE}\u{BFFFF}\u{CFFFE}\u{CFFFF}\u{DFFFE}\u{DFFFF}\u{EFFFE}\u{EFFFF}]/u;
// Right-to-left scripts: their bidi rules (RFC 3454 §6) need tables this module does not carry.
const RIGHT_TO_LEFT = /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}]/u;

export class UnsupportedPasswordError extends Error {
  override name = "UnsupportedPasswordError";
}

/**
 * The string PostgreSQL hashes. Printable ASCII is left as is (SASLprep is the identity
 * there); otherwise map, NFKC, and — exactly as the server does when the result is
 * prohibited — fall back to the raw password. Right-to-left text is refused rather than
 * guessed: a wrong guess would set a verifier no client could log in with.
 */
export function saslprep(password: string): string {
  if (/^[\x20-\x7E]*$/.test(password)) return password;
  if (RIGHT_TO_LEFT.test(password)) throw new UnsupportedPasswordError("password uses a right-to-left script, whose SASLprep bidi rules are not implemented");
  const prepared = password.replace(NON_ASCII_SPACE, " ").replace(MAPPED_TO_NOTHING, "").normalize("NFKC");
  return prepared === "" || PROHIBITED.test(prepared) ? password : prepared;
}

const hmac = (key: Buffer, text: string): Buffer => createHmac("sha256", key).update(text).digest();
const sha256 = (data: Buffer): Buffer => createHash("sha256").update(data).digest();

async function keys(password: string, salt: Buffer, iterations: number): Promise<{ storedKey: Buffer; serverKey: Buffer }> {
  const salted = await pbkdf2Async(Buffer.from(saslprep(password), "utf8"), salt, iterations, 32, "sha256");
  return { storedKey: sha256(hmac(salted, "Client Key")), serverKey: hmac(salted, "Server Key") };
}

/** Whether `password` is the one `verifier` was made from (constant-time compare). */
export async function scramMatches(password: string, verifier: ScramVerifier): Promise<boolean> {
  const k = await keys(password, verifier.salt, verifier.iterations);
  return timingSafeEqual(k.storedKey, verifier.storedKey) && timingSafeEqual(k.serverKey, verifier.serverKey);
}

/** A new verifier with a random salt, in pg_authid's text form. */
export async function makeScramVerifier(password: string, salt: Buffer = randomBytes(SALT_BYTES), iterations = SCRAM_ITERATIONS): Promise<string> {
  const k = await keys(password, salt, iterations);
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${k.storedKey.toString("base64")}:${k.serverKey.toString("base64")}`;
}
