// Citations a contributor can open. Docs and comments cite upstream (Koji's documentation at
// docs.pagure.org/koji, a file of the Koji source, another project's page) or our own docs
// (docs/pitfalls.md#pitfall-N, docs/*.md), never the research notes kept beside the repository
// (koji.md, stack.md, test-rig.md under ../shared/reference/), which nobody who clones it has.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const REPO = new URL("..", import.meta.url).pathname;
const SKIP = new Set(["node_modules", "dist", ".git", ".koji-fleet", "coverage", "artifacts"]);
/** This file names what it refuses. */
const SELF = "test/citations.test.ts";

/**
 * Files other workers are rewriting for issue 19 while this test landed: their citations are
 * repointed when they merge. The lead empties this list; do not add to it.
 */
export const CITATIONS_NOT_YET_REPOINTED: string[] = [];

/** Exact text allowed wherever it stands, and why. */
const ALLOWED_TEXT: Record<string, string> = {
  "../shared/vendor/koji-1.35.3.tar.gz": "not a citation: the Koji lane's default KOJI_SRC, beside the repository (test/koji/README.md)",
  "needs the Koji tree mounted (koji.md §2.8).":
    "rendered by controller/compile/roles/tree.ts into a drop-in on every hub, kojira and builder (so also in the golden " +
    "catalogs): rewording it rewrites that file on those hosts, which waits for a change that means to",
  "(see ../shared/vendor/README.md)": "in test/koji/koji-source.ts's error message, code rather than a comment: repoint it when that message changes",
};

const OUR_SHARED = new Set(readdirSync(join(REPO, "shared")).flatMap((name) => [name, name.replace(/\.ts$/, ".js")]));
const OUTSIDE: readonly [RegExp, string][] = [
  [/\b(koji|stack|test-rig)\.md\b/g, "a research note outside the repository"],
  [/shared\/reference\b/g, "../shared/reference, outside the repository"],
];

function files(dir = REPO): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name)) return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? files(path) : entry.isFile() && relative(REPO, path) !== SELF ? [relative(REPO, path)] : [];
  });
}

/** Every citation of something outside the repository in `text`, as `line: what`. */
export function outsideCitations(text: string): string[] {
  const found: string[] = [];
  text.split("\n").forEach((line, i) => {
    const checked = Object.keys(ALLOWED_TEXT).reduce((rest, text) => rest.replaceAll(text, ""), line);
    for (const [pattern, what] of OUTSIDE) for (const m of checked.matchAll(pattern)) found.push(`${i + 1}: ${m[0]} (${what})`);
    // ../shared/<name> is our shared/ folder from one level down; any other name is outside.
    for (const m of checked.matchAll(/(?:\.\.\/)+shared\/([\w.-]+)/g)) {
      if (!OUR_SHARED.has(m[1]!)) found.push(`${i + 1}: ${m[0]} (not in shared/)`);
    }
  });
  return found;
}

const allowed = (file: string) => CITATIONS_NOT_YET_REPOINTED.some((e) => (e.endsWith("/") ? file.startsWith(e) : file === e));

describe("citations", () => {
  it("finds what it must refuse", () => {
    expect(outsideCitations("see koji.md §2.8\n// (stack.md §9)\nKOJI_SRC=../shared/vendor/other.tar.gz\n(../shared/reference/koji.md)")).toEqual([
      "1: koji.md (a research note outside the repository)",
      "2: stack.md (a research note outside the repository)",
      "3: ../shared/vendor (not in shared/)",
      "4: koji.md (a research note outside the repository)",
      "4: shared/reference (../shared/reference, outside the repository)",
      "4: ../shared/reference (not in shared/)",
    ]);
    expect(outsideCitations(`import { x } from "../shared/names.js";\nimport { y } from "../../shared/koji/xml.js";\nKOJI_SRC=../shared/vendor/koji-1.35.3.tar.gz\ndocs/pitfalls.md#pitfall-7`)).toEqual([]);
  });

  it("no file cites what the repository does not hold (except the files still being rewritten)", () => {
    const offenders = files()
      .filter((f) => !allowed(f))
      .flatMap((f) => {
        const text = readFileSync(join(REPO, f));
        if (text.includes(0)) return []; // binary
        return outsideCitations(text.toString("utf8")).map((hit) => `${f}:${hit}`);
      });
    expect(offenders).toEqual([]);
  });

  it("every docs/pitfalls.md#anchor cited exists", () => {
    const anchors = new Set([...readFileSync(join(REPO, "docs/pitfalls.md"), "utf8").matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]!));
    expect([...anchors]).toEqual(expect.arrayContaining(Array.from({ length: 10 }, (_, i) => `pitfall-${i + 1}`)));
    const broken = files()
      .filter((f) => /\.(md|ts|js|mjs|sh|json|service|sql|txt)$/.test(f))
      .flatMap((f) => [...readFileSync(join(REPO, f), "utf8").matchAll(/pitfalls\.md#([\w-]+)/g)].filter((m) => !anchors.has(m[1]!)).map((m) => `${f}: #${m[1]}`));
    expect(broken).toEqual([]);
  });
});
