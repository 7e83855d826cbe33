// Loads the captured systemctl/journalctl outputs next to this file for replay tests. Each
// file starts with "# " header lines (systemd version, OS, the state, the command, "# exit N");
// the rest is the command's output exactly as printed. Also a Files provider rooted in a
// directory. The build skips testdata/.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { parseIdDatabase } from "../../../providers/accounts.js";
import type { ExecResult } from "../../../providers/executor.js";
import { createFiles, type Files } from "../../../providers/files.js";

const DIR = fileURLToPath(new URL(".", import.meta.url));

/** `show-enabled-running` → the reply to replay; `.stderr` files fill stderr instead of stdout. */
export function captured(name: string): Partial<Omit<ExecResult, "argv">> {
  const lines = readFileSync(`${DIR}${name}.txt`, "utf8").split("\n");
  const header = lines.findIndex((l) => !l.startsWith("# "));
  const exit = lines.slice(0, header).map((l) => /^# exit (\d+)$/.exec(l)).find(Boolean);
  const output = lines.slice(header).join("\n");
  return { exitCode: exit ? Number(exit[1]) : 0, ...(name.endsWith(".stderr") ? { stderr: output } : { stdout: output }) };
}

/**
 * The agent's Files provider with every path taken inside `root`, user and group ids from that
 * tree's own databases: kinds then run with ctx.root "/" as an agent inside that tree would
 * (the systemd kinds accept no other root).
 */
export function filesInside(root: string): Files {
  const f = createFiles();
  const at = (p: string): string => join(root, p);
  const ids = (db: string, what: string) => async (name: string): Promise<number> => {
    if (/^[0-9]{1,10}$/.test(name)) return Number(name);
    const id = parseIdDatabase(await readFile(at(db), "utf8")).get(name);
    if (id === undefined) throw new Error(`unknown ${what} '${name}' in ${root}`);
    return id;
  };
  return {
    lstat: (p) => f.lstat(at(p)),
    readFile: (p, o) => f.readFile(at(p), o),
    readlink: (p) => f.readlink(at(p)),
    writeFileAtomic: (p, data, opts) => f.writeFileAtomic(at(p), data, opts),
    mkdir: (p, attrs) => f.mkdir(at(p), attrs),
    setAttributes: (p, observed, attrs) => f.setAttributes(at(p), observed, attrs),
    symlink: (target, p) => f.symlink(target, at(p)), // the link target stays as written: it is read inside the tree
    unlink: (p) => f.unlink(at(p)),
    rmdir: (p) => f.rmdir(at(p)),
    userId: ids("/etc/passwd", "user"),
    groupId: ids("/etc/group", "group"),
    applied: () => f.applied(),
  };
}
