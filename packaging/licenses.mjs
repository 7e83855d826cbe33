#!/usr/bin/env node
// THIRD_PARTY_LICENSES for the bundle: walks the production dependency tree (package.json
// `dependencies`, recursively, resolved the way Node resolves them: nearest node_modules up
// the tree) and concatenates each package's license text under its name@version. devDependencies
// never reach the bundle and are not walked.
//   node packaging/licenses.mjs [--out FILE] [--check-metafile META.json]
// --check-metafile fails when esbuild bundled a package the walk did not find.
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const LICENSE_FILE = /^(licen[cs]e|copying|notice)([.-].*)?$/i;

/** The directory of `name` as seen from `fromDir`, or null when it is not installed. */
function locate(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/** name@version → { name, version, license, dir }, for every production dependency of root. */
export function productionTree(root) {
  const found = new Map();
  const visit = (pkgDir, optional) => {
    const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
    const deps = { ...(pkg.dependencies ?? {}) };
    const optionalDeps = new Set(Object.keys(pkg.optionalDependencies ?? {}));
    for (const name of optionalDeps) deps[name] ??= "*";
    for (const name of Object.keys(deps)) {
      const dir = locate(name, pkgDir);
      if (!dir) {
        if (optionalDeps.has(name) || optional) continue; // optional: not installed on this platform
        throw new Error(`${name} (needed by ${pkg.name ?? "the project"}) is not installed: run npm ci`);
      }
      const dep = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      const key = `${dep.name}@${dep.version}`;
      if (found.has(key)) continue;
      found.set(key, { name: dep.name, version: dep.version, license: licenseOf(dep), dir });
      visit(dir, optionalDeps.has(name));
    }
  };
  visit(root, false);
  return [...found.values()].sort((a, b) => (a.name === b.name ? a.version.localeCompare(b.version) : a.name.localeCompare(b.name)));
}

function licenseOf(pkg) {
  if (typeof pkg.license === "string") return pkg.license;
  if (pkg.license?.type) return pkg.license.type;
  return (pkg.licenses ?? []).map((l) => l.type ?? l).join(" OR ") || "UNKNOWN"; // the old array form
}

export function renderLicenses(tree) {
  const parts = [
    "Third-party software bundled in koji-fleet.mjs: the production dependencies of koji-fleet,",
    "each with the license text it ships (or its declared license when it ships none).",
    "",
  ];
  for (const p of tree) {
    const files = readdirSync(p.dir).filter((f) => LICENSE_FILE.test(f)).sort();
    parts.push("=".repeat(78), `${p.name}@${p.version}  (${p.license})`, "=".repeat(78));
    if (files.length === 0) parts.push(`No license file in the package; package.json declares: ${p.license}`, "");
    for (const f of files) parts.push(readFileSync(join(p.dir, f), "utf8").trimEnd(), "");
  }
  return `${parts.join("\n")}\n`;
}

/** Packages esbuild took input from (node_modules/<name>/…), by name. */
export function bundledPackages(metafile) {
  const names = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) names.add(m[1]);
  }
  return [...names].sort();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: "string" }, "check-metafile": { type: "string" } } });
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const tree = productionTree(root);
  if (values["check-metafile"]) {
    const walked = new Set(tree.map((p) => p.name));
    const missing = bundledPackages(JSON.parse(readFileSync(values["check-metafile"], "utf8"))).filter((n) => !walked.has(n));
    if (missing.length) throw new Error(`bundled but not in the production dependency tree: ${missing.join(", ")}`);
  }
  const text = renderLicenses(tree);
  if (values.out) writeFileSync(values.out, text);
  else process.stdout.write(text);
}
