import * as fs from "node:fs";
import { join } from "node:path";

/** Regular files under `dir` whose content includes `text`; symlinks are never followed. */
export function filesContaining(dir: string, text: string): string[] {
  return fs.readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    const st = fs.lstatSync(p);
    if (st.isDirectory()) return filesContaining(p, text);
    return st.isFile() && fs.readFileSync(p, "utf8").includes(text) ? [p] : [];
  });
}
