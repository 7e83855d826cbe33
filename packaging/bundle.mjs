#!/usr/bin/env node
// npm run bundle: the whole CLI, both daemons included, as ESM for the system's Node with no
// node_modules: dist/bundle/koji-fleet.mjs (the entry: argument parsing and the command table)
// and dist/bundle/chunks/ (one chunk per command, plus the code commands share), each with its
// source map, one koji-fleet.mjs.LEGAL.txt and THIRD_PARTY_LICENSES. The agent and controller
// RPMs ship the same tree. Split so that a daemon loads only its own code: the agent's
// resident memory is what the agent imports (bench/README.md, agent-footprint).
//   node packaging/bundle.mjs [--outdir DIR]    (default dist/bundle)
import { build } from "esbuild";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { dashboardEsbuildPlugin } from "./dashboard.mjs";
import { bundledPackages, productionTree, renderLicenses } from "./licenses.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { outdir: { type: "string", default: join(root, "dist/bundle") } } });
const out = resolve(values.outdir);
const ENTRY = "koji-fleet.mjs";
const started = Date.now();
// Chunk names carry content hashes: a previous build's chunks would linger beside the new ones.
rmSync(join(out, "chunks"), { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: { "koji-fleet": join(root, "cli/main.ts") },
  outdir: out,
  outExtension: { ".js": ".mjs" },
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  platform: "node",
  target: "node20",
  format: "esm",
  // Smaller source is less resident memory (V8 keeps every script's source). keepNames: class
  // and function names stay readable in logs and stack traces; the maps give the rest.
  minify: true,
  keepNames: true,
  sourcemap: true,
  legalComments: "external",
  metafile: true,
  write: false,
  logLevel: "warning",
  // Bundled CommonJS (pino, fastify…) calls require() for Node built-ins; ESM has none.
  banner: { js: "import { createRequire as __kfCreateRequire } from 'node:module'; const require = __kfCreateRequire(import.meta.url);" },
  // The controller's dashboard script, bundled for the browser from its sources (dashboard.mjs).
  plugins: [dashboardEsbuildPlugin()],
});

// A native addon cannot live in a bundle: fail loudly instead of shipping one that dies at
// run time on a require() of a .node file.
const native = Object.keys(result.metafile.inputs).filter((f) => f.endsWith(".node") || /\bnode-gyp-build\b|\bbindings\/bindings\.js$/.test(f));
if (native.length) throw new Error(`native code in the bundle: ${native.join(", ")}`);

// Only the entry may import lazily (a command's chunk, at start). A chunk imported later by a
// running daemon could be gone: an RPM upgrade replaces the chunks under it before the
// restart (the agent restarts itself only after dnf returns).
const lazy = Object.entries(result.metafile.outputs)
  .filter(([file, o]) => !file.endsWith(ENTRY) && o.imports.some((i) => i.kind === "dynamic-import"))
  .map(([file]) => relative(out, file));
if (lazy.length) throw new Error(`dynamic import() outside the command table (cli/commands.ts): ${lazy.join(", ")}`);

const tree = productionTree(root);
const walked = new Set(tree.map((p) => p.name));
const unlisted = bundledPackages(result.metafile).filter((n) => !walked.has(n));
if (unlisted.length) throw new Error(`bundled but not a production dependency (license not collected): ${unlisted.join(", ")}`);

// esbuild writes one LEGAL.txt per output file; the packages ship one, in output order.
const legal = [];
for (const file of result.outputFiles) {
  if (file.path.endsWith(".LEGAL.txt")) legal.push(`// ${relative(out, file.path.replace(/\.LEGAL\.txt$/, ""))}\n${file.text}`);
  else {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.contents);
  }
}
writeFileSync(join(out, `${ENTRY}.LEGAL.txt`), legal.join("\n"));
writeFileSync(join(out, "THIRD_PARTY_LICENSES"), renderLicenses(tree));
writeFileSync(join(out, "meta.json"), JSON.stringify(result.metafile));

const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
const code = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith(".mjs"));
const size = (code.reduce((n, [, o]) => n + o.bytes, 0) / 1e6).toFixed(1);
console.log(`${relative(process.cwd(), join(out, ENTRY))} ${version}: ${code.length} files, ${size} MB, ${bundledPackages(result.metafile).length} packages, ${Date.now() - started} ms`);
