// The controller's catalog-signing key: created on first start (0600 before it has content),
// reused after. Its public half is what agents pin at enrollment.
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../shared/atomic-file.js";
import { generateSigningKeyPem, Signer } from "../../shared/signing.js";

export const SIGNING_KEY_FILE = "catalog-signing.key";

export async function loadOrCreateSigner(stateDir: string): Promise<Signer> {
  const file = join(stateDir, SIGNING_KEY_FILE);
  const existing = await readFile(file, "utf8").catch(() => null);
  if (existing) return new Signer(existing);
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const pem = generateSigningKeyPem();
  await writeFileAtomic(file, pem, 0o600);
  return new Signer(pem);
}
