// docs/roles/*.md against the golden catalogs (golden/*.json, the reference farm): what a page's
// tables name is what the compiler emits, and what the compiler emits is named on a page.
// Facts are read from the tables only: in a resource table the ids in the first column
// (`kind:key`, `<…>` standing for a fleet.yaml value), the names in a "packages" row and the
// firewalld services in the `firewall:public` row; in a probe table the probe ids. A row that
// says "(not in the reference farm)" describes what another fleet.yaml gets and is not looked up.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CatalogContent } from "../../shared/protocol.js";
import { defaultsApplied } from "../config/defaults.js";
import { reference } from "../../test/support/compiled-fleet.js";

const golden = new URL("./golden/", import.meta.url);
const pages = new URL("../../docs/roles/", import.meta.url);

const catalogs: CatalogContent[] = readdirSync(golden)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => JSON.parse(readFileSync(new URL(f, golden), "utf8")) as CatalogContent);

const HTTPD_ROLES = ["hub", "web", "lookaside"];
/** Which hosts a page describes: a role's page its hosts; common.md every host; httpd.md the hosts running httpd. */
const hostsOf = (page: string): CatalogContent[] =>
  catalogs.filter((c) =>
    page === "common" ? true : page === "httpd" ? c.roles.some((r) => HTTPD_ROLES.includes(r)) : c.roles.includes(page),
  );
const pagesOf = (c: CatalogContent): string[] => PAGES.filter((p) => hostsOf(p).includes(c));

interface Facts {
  resources: string[];
  packages: string[];
  firewall: string[];
  probes: string[];
}

const ticked = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
/** Table cells; a `|` inside backticks is text, not a separator. */
const cellsOf = (row: string): string[] => row.replace(/`[^`]*`/g, (code) => code.replaceAll("|", "\u0000")).split("|").slice(1, -1).map((c) => c.replaceAll("\u0000", "|").trim());

function factsOf(markdown: string): Facts {
  const facts: Facts = { resources: [], packages: [], firewall: [], probes: [] };
  let header: string | undefined;
  for (const line of markdown.split("\n")) {
    if (!line.startsWith("|")) { header = undefined; continue; }
    const cells = cellsOf(line);
    if (header === undefined) { header = cells[0]; continue; }
    if (/^-+$/.test(cells[0] ?? "") || line.includes("(not in the reference farm)")) continue;
    const [first = "", what = ""] = cells;
    if (header === "probe") facts.probes.push(...ticked(first));
    if (header !== "resource") continue;
    if (first === "packages") { facts.packages.push(...ticked(what)); continue; }
    const ids = ticked(first).filter((t) => /^[a-z][a-z-]*:/.test(t));
    facts.resources.push(...ids);
    if (ids.includes("firewall:public")) facts.firewall.push(...ticked(what));
  }
  return facts;
}

/** The fleet.yaml values a page may write as `<…>` in an id, as the reference farm sets them. */
const resolved = defaultsApplied(reference());
const PLACEHOLDERS: Record<string, string> = {
  "<topdir>": resolved.koji.topdir,
  "<fleet.name>": resolved.name,
  "<koji.lookaside.dir>": resolved.koji.lookaside.dir,
};
/** A named id with its placeholders filled in; an unknown placeholder is an error the page must fix. */
const filled = (named: string): string =>
  named.replace(/<[^>]+>/g, (p) => {
    const value = PLACEHOLDERS[p];
    if (value === undefined) throw new Error(`unknown placeholder ${p} in ${named}: use one of ${Object.keys(PLACEHOLDERS).join(", ")}`);
    return value;
  });
const matches = (named: readonly string[], actual: string): boolean => named.some((n) => filled(n) === actual);

const PAGES = readdirSync(pages).filter((f) => f.endsWith(".md") && f !== "README.md").map((f) => f.slice(0, -3)).sort();
const FACTS = Object.fromEntries(PAGES.map((p) => [p, factsOf(readFileSync(new URL(`${p}.md`, pages), "utf8"))])) as Record<string, Facts>;

const packagesOf = (c: CatalogContent): string[] =>
  (c.resources.find((r) => r.id === "package:roles")?.props.packages as { name: string }[] | undefined)?.map((p) => p.name) ?? [];
const firewallOf = (c: CatalogContent): string[] => (c.resources.find((r) => r.id === "firewall:public")?.props.services as string[] | undefined) ?? [];
/** Paths a resource puts something at (the props the assembler orders by their parent directory). */
const pathsOf = (r: CatalogContent["resources"][number]): string[] =>
  ["path", "file", "keyFile", "certFile", "caFile"].map((k) => r.props[k]).filter((v): v is string => typeof v === "string");
/** A directory that only holds other managed paths: made for them (resources.ts parentDirs), not a fact of its own. */
const isParentDir = (c: CatalogContent, dir: CatalogContent["resources"][number]): boolean =>
  dir.kind === "directory" && c.resources.some((o) => o !== dir && pathsOf(o).some((p) => p.startsWith(`${String(dir.props.path)}/`)));
/** What a catalog has that a page must name: every resource but parent directories, every package, firewalld service and probe. */
const emitted = (c: CatalogContent): Facts => ({
  resources: c.resources.filter((r) => !isParentDir(c, r)).map((r) => r.id),
  packages: packagesOf(c),
  firewall: firewallOf(c),
  probes: c.probes.map((p) => p.id),
});

describe("role pages (docs/roles/) against the golden catalogs", () => {
  it("reads a page for every role of the reference farm, and facts from each", () => {
    for (const role of new Set(catalogs.flatMap((c) => c.roles))) expect(PAGES).toContain(role);
    for (const page of PAGES) {
      expect(hostsOf(page).length, `${page}.md describes no host of the reference farm`).toBeGreaterThan(0);
      expect(FACTS[page]!.resources.length, `${page}.md names no resource`).toBeGreaterThan(0);
      expect(FACTS[page]!.probes.length, `${page}.md names no probe`).toBeGreaterThan(0);
    }
  });

  it.each(PAGES)("%s.md names only what its hosts' catalogs have", (page) => {
    const facts = FACTS[page]!;
    const hosts = hostsOf(page);
    const missing = (kind: keyof Facts, have: (c: CatalogContent) => string[]) =>
      facts[kind].filter((named) => !hosts.some((c) => have(c).includes(filled(named)))).map((n) => `${kind} ${n}`);
    expect([
      ...missing("resources", (c) => c.resources.map((r) => r.id)),
      ...missing("packages", packagesOf),
      ...missing("firewall", firewallOf),
      ...missing("probes", (c) => c.probes.map((p) => p.id)),
    ]).toEqual([]);
  });

  it.each(catalogs.map((c) => [c.host, c] as const))("everything %s's catalog has is named on one of its pages", (_host, catalog) => {
    const named = pagesOf(catalog).map((p) => FACTS[p]!);
    const has = emitted(catalog);
    const unnamed = (kind: keyof Facts) => has[kind].filter((actual) => !named.some((f) => matches(f[kind], actual))).map((a) => `${kind} ${a}`);
    expect([...unnamed("resources"), ...unnamed("packages"), ...unnamed("firewall"), ...unnamed("probes")]).toEqual([]);
  });
});
