// The paths a contributor is sent to exist: every file or folder CONTRIBUTING.md names (and its
// links), every name in docs/architecture.md's code map, and every path docs/pitfalls.md gives
// as a proof. A `<placeholder>` stands for a name to choose: the folder before it must exist.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const REPO = new URL("..", import.meta.url).pathname;
const read = (file: string) => readFileSync(join(REPO, file), "utf8");
const ROOT_ENTRIES = new Set(readdirSync(REPO).filter((n) => n !== "node_modules" && n !== "dist"));

const ticked = (text: string): string[] => [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
const looksLikePath = (token: string) => /^[\w.@<>-]+(\/[\w.@<>*-]*)*$/.test(token) && (token.includes("/") || /\.(ts|js|mjs|json|md|ya?ml|sh)$/.test(token));
/** The paths in a backticked token: the token itself, or the words of a command that start at the repo root. */
function pathsIn(token: string): string[] {
  if (!token.includes(" ")) return looksLikePath(token) ? [token] : [];
  return token.split(/\s+/).filter((w) => looksLikePath(w) && ROOT_ENTRIES.has(w.split("/")[0]!));
}
/** Where a path must exist: up to its first placeholder, if any. */
const checkedPart = (path: string) => (path.includes("<") ? path.slice(0, path.indexOf("<")) : path);
const exists = (path: string) => existsSync(join(REPO, checkedPart(path)));
const links = (text: string): string[] =>
  [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l) && !l.startsWith("#")).map((l) => l.split("#")[0]!);

function walk(dir: string): string[] {
  return readdirSync(join(REPO, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? [`${dir}/${e.name}/`, ...walk(`${dir}/${e.name}`)] : [`${dir}/${e.name}`],
  );
}

describe("paths the docs send a contributor to", () => {
  it("CONTRIBUTING.md: every path and link exists", () => {
    const text = read("CONTRIBUTING.md");
    const named = ticked(text).flatMap(pathsIn);
    expect(named.length).toBeGreaterThan(40);
    expect(named.filter((p) => !exists(p))).toEqual([]);
    expect(links(text).filter((l) => !exists(l))).toEqual([]);
  });

  it("docs/architecture.md's code map: every name exists in its folder (or from the root)", () => {
    const text = read("docs/architecture.md");
    const map = text.slice(text.indexOf("## Code map"), text.indexOf("\n## ", text.indexOf("## Code map") + 1));
    const rows = map.split("\n").filter((l) => /^\| `[^`]+\/` \|/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(6);
    const missing = rows.flatMap((row) => {
      const folder = /^\| `([^`]+)\/` \|/.exec(row)![1]!;
      const under = walk(folder).map((p) => relative(REPO, join(REPO, p)) + (p.endsWith("/") ? "/" : ""));
      const found = (name: string) =>
        exists(name) || exists(`${folder}/${name}`) || under.some((p) => p.endsWith(`/${name}`) || p === `${folder}/${name}`);
      return ticked(row.slice(row.indexOf("|", 2))).flatMap(pathsIn).filter((name) => !found(name)).map((name) => `${folder}/: ${name}`);
    });
    expect(missing).toEqual([]);
  });

  it("docs/pitfalls.md: every test and file named as a proof exists", () => {
    const text = read("docs/pitfalls.md");
    const named = ticked(text).flatMap(pathsIn).filter((p) => ROOT_ENTRIES.has(p.split("/")[0]!));
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((p) => !exists(p))).toEqual([]);
    expect(links(text).filter((l) => !existsSync(join(REPO, "docs", l)))).toEqual([]);
  });
});
