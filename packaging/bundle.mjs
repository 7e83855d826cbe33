#!/usr/bin/env node
// npm run bundle: one ESM file for both daemons and the CLI (the agent and controller RPMs
// ship the same file), dist/bundle/koji-fleet.mjs + source map, its legal comments and
// THIRD_PARTY_LICENSES. No node_modules at run time: Node ≥ 20 and this file are all it needs.
//   node packaging/bundle.mjs [--outdir DIR]    (default dist/bundle)
import { build } from "esbuild";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { bundledPackages, productionTree, renderLicenses } from "./licenses.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { outdir: { type: "string", default: join(root, "dist/bundle") } } });
const out = resolve(values.outdir);
const started = Date.now();
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: [join(root, "cli/main.ts")],
  outfile: join(out, "koji-fleet.mjs"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: true,
  legalComments: "external",
  metafile: true,
  logLevel: "warning",
  // Bundled CommonJS (pino, fastify…) calls require() for Node built-ins; ESM has none.
  banner: { js: "import { createRequire as __kfCreateRequire } from 'node:module'; const require = __kfCreateRequire(import.meta.url);" },
});

// A native addon cannot live in a single JS file: fail loudly instead of shipping a bundle
// that dies at run time on a require() of a .node file.
const native = Object.keys(result.metafile.inputs).filter((f) => f.endsWith(".node") || /\bnode-gyp-build\b|\bbindings\/bindings\.js$/.test(f));
if (native.length) throw new Error(`native code in the bundle: ${native.join(", ")}`);

const tree = productionTree(root);
const walked = new Set(tree.map((p) => p.name));
const unlisted = bundledPackages(result.metafile).filter((n) => !walked.has(n));
if (unlisted.length) throw new Error(`bundled but not a production dependency (license not collected): ${unlisted.join(", ")}`);
writeFileSync(join(out, "THIRD_PARTY_LICENSES"), renderLicenses(tree));
writeFileSync(join(out, "meta.json"), JSON.stringify(result.metafile));

const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
const size = (readFileSync(join(out, "koji-fleet.mjs")).length / 1e6).toFixed(1);
console.log(`${relative(process.cwd(), join(out, "koji-fleet.mjs"))} ${version}: ${size} MB, ${bundledPackages(result.metafile).length} packages, ${Date.now() - started} ms`);
