// User and group names → numeric ids, from the passwd/group databases of the machine the
// agent runs on. Every file-like resource asks at every observe, so each database is read again
// only when the file is another one than last time: a `user` resource earlier in the same
// converge may just have added the account a later `file` resource chowns to, and useradd,
// groupadd, vipw and editors replace the file (a new inode); a change in place moves its size
// or its change time, unless it lands within the same timestamp tick (a second on some
// filesystems): so a file changed in the last two seconds is not kept (git's "racy" rule).
import { readFile } from "node:fs/promises";
import { fileIdentity } from "../../shared/file-identity.js";

const NUMERIC = /^[0-9]{1,10}$/;

/** Parses passwd(5)/group(5) text: `name:x:id:…` per line. Later duplicates do not win. */
export function parseIdDatabase(text: string): Map<string, number> {
  const ids = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const [name, , id] = line.split(":");
    if (!name || id === undefined || !NUMERIC.test(id) || ids.has(name)) continue;
    ids.set(name, Number(id));
  }
  return ids;
}

export class UnknownAccountError extends Error {
  override name = "UnknownAccountError";
}

const RACY_MS = 2_000;

/** Each database's last reading and the identity of the file it came from. */
const readings = new Map<string, { file: string; ids: Map<string, number> }>();

async function idsIn(database: string): Promise<Map<string, number>> {
  const file = await fileIdentity(database);
  const known = readings.get(database);
  if (file && known?.file === file.id) return known.ids;
  // Read after the stat: what is read is at least as new as the identity it is kept under.
  const ids = parseIdDatabase(await readFile(database, "utf8"));
  if (file && Date.now() - file.changedAtMs > RACY_MS) readings.set(database, { file: file.id, ids });
  else readings.delete(database);
  return ids;
}

async function resolve(what: "user" | "group", nameOrId: string, database: string): Promise<number> {
  if (NUMERIC.test(nameOrId)) return Number(nameOrId);
  const ids = await idsIn(database);
  const id = ids.get(nameOrId);
  if (id === undefined) throw new UnknownAccountError(`unknown ${what} '${nameOrId}' (not in ${database})`);
  return id;
}

export const resolveUserId = (name: string, passwd = "/etc/passwd"): Promise<number> => resolve("user", name, passwd);
export const resolveGroupId = (name: string, group = "/etc/group"): Promise<number> => resolve("group", name, group);
