// NATS passwords of tests and sandboxes (production uses mTLS): one JSON file, mode 0600, shared
// by `koji-fleet nats-config --passwords-file` and `koji-fleet up`.
import { randomBytes } from "node:crypto";
import { chmod, readFile, writeFile } from "node:fs/promises";

/** Reads the passwords file, adds a random password for each user that has none, keeps it 0600. */
export async function passwords(file: string, users: string[]): Promise<Record<string, string>> {
  const raw = await readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? "{}" : Promise.reject(e)));
  const pw = JSON.parse(raw) as unknown;
  if (typeof pw !== "object" || pw === null || Array.isArray(pw) || !Object.values(pw).every((p) => typeof p === "string" && p !== "")) {
    throw new Error(`${file}: expected a JSON object of non-empty strings`);
  }
  const map = pw as Record<string, string>;
  const missing = users.filter((u) => !(u in map));
  // base64url: nothing a nats-server config string would need escaped
  for (const u of missing) map[u] = randomBytes(24).toString("base64url");
  if (missing.length > 0) await writeFile(file, `${JSON.stringify(map, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return map;
}
