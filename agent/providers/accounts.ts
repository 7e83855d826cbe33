// User and group names → numeric ids, from the passwd/group databases of the machine the
// agent runs on. Read on every lookup, never cached: a `user` resource earlier in the same
// converge may just have added the account a later `file` resource chowns to.
import { readFile } from "node:fs/promises";

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

async function resolve(what: "user" | "group", nameOrId: string, database: string): Promise<number> {
  if (NUMERIC.test(nameOrId)) return Number(nameOrId);
  const ids = parseIdDatabase(await readFile(database, "utf8"));
  const id = ids.get(nameOrId);
  if (id === undefined) throw new UnknownAccountError(`unknown ${what} '${nameOrId}' (not in ${database})`);
  return id;
}

export const resolveUserId = (name: string, passwd = "/etc/passwd"): Promise<number> => resolve("user", name, passwd);
export const resolveGroupId = (name: string, group = "/etc/group"): Promise<number> => resolve("group", name, group);
