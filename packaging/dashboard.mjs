#!/usr/bin/env node
// The dashboard's script (docs/dashboard.md): controller/http/dashboard/app/*.ts, browser
// TypeScript, bundled by esbuild into one classic script. The controller imports it as the
// default export of controller/http/dashboard/app.bundle.js, a module made here and never
// written by hand, and serves it from memory as /dashboard/app.js: nothing is read from disk
// at run time, and a dist/ without it fails at the controller's start, not with a 404.
// One build, three places that need the module:
//   node packaging/dashboard.mjs [--outdir DIR]   `npm run build`, after tsc: writes
//       DIR/controller/http/dashboard/app.bundle.js (default DIR: dist)
//   dashboardEsbuildPlugin()                      packaging/bundle.mjs (the CLI bundle)
//   dashboardVitePlugin()                         vitest.config.ts (tests run the sources)
import { build } from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The browser code: everything the bundle holds comes from this folder. */
export const SOURCE_DIR = "controller/http/dashboard/app";
export const ENTRY = `${SOURCE_DIR}/main.ts`;
/** The module the controller imports (declared by app.bundle.d.ts). */
export const BUNDLE_MODULE = "controller/http/dashboard/app.bundle.js";
const BANNER = `// koji-fleet dashboard: bundled by esbuild from ${ENTRY}; edit the sources, not this file.`;

/**
 * The bundled script's text and the files it was made from. Deterministic: the same sources
 * give the same bytes. Refuses an input outside SOURCE_DIR but a leaf of shared/ (a module
 * that imports nothing, such as the duration text the CLI prints too): the dashboard imports
 * the API's types with `import type`, which leaves nothing in the bundle; any other value
 * import would pull controller code (and Node's) into the browser.
 */
export async function buildDashboardScript({ root = ROOT, entry = ENTRY } = {}) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    // What the hand-written script promised: ES2017 browsers.
    target: "es2017",
    banner: { js: BANNER },
    metafile: true,
    logLevel: "silent",
  });
  const inputs = Object.keys(result.metafile.inputs);
  const sharedLeaf = (f) => f.startsWith("shared/") && result.metafile.inputs[f].imports.length === 0;
  const foreign = inputs.filter((f) => !f.startsWith(`${SOURCE_DIR}/`) && !sharedLeaf(f));
  if (foreign.length) {
    throw new Error(`the dashboard's bundle takes code from outside ${SOURCE_DIR}/ and shared/'s leaf modules: ${foreign.join(", ")} (import API types with \`import type\`)`);
  }
  const [out] = result.outputFiles;
  return { text: out.text, inputs: inputs.map((f) => join(root, f)) };
}

/** The module's source: the script as its default export. */
export const bundleModule = (text) => `export default ${JSON.stringify(text)};\n`;

/** For packaging/bundle.mjs: resolves the import of app.bundle.js to a fresh build. */
export function dashboardEsbuildPlugin({ root = ROOT } = {}) {
  const target = join(root, BUNDLE_MODULE);
  return {
    name: "koji-fleet-dashboard",
    setup(b) {
      b.onResolve({ filter: /\/app\.bundle\.js$/ }, (args) =>
        resolve(args.resolveDir, args.path) === target ? { path: BUNDLE_MODULE, namespace: "kf-dashboard" } : undefined);
      b.onLoad({ filter: /.*/, namespace: "kf-dashboard" }, async () => {
        const { text, inputs } = await buildDashboardScript({ root });
        return { contents: bundleModule(text), loader: "js", watchFiles: inputs };
      });
    },
  };
}

/** For vitest: the same module, made from the sources when a test imports the controller. */
export function dashboardVitePlugin({ root = ROOT } = {}) {
  const target = join(root, BUNDLE_MODULE);
  const id = "\0kf-dashboard-bundle";
  return {
    name: "koji-fleet-dashboard",
    resolveId(source, importer) {
      return importer && resolve(dirname(importer), source) === target ? id : null;
    },
    async load(loaded) {
      if (loaded !== id) return null;
      const { text, inputs } = await buildDashboardScript({ root });
      for (const f of inputs) this.addWatchFile(f);
      return bundleModule(text);
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outdir: { type: "string", default: join(ROOT, "dist") } } });
  const file = join(resolve(values.outdir), BUNDLE_MODULE);
  const { text } = await buildDashboardScript();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bundleModule(text));
  console.log(`${relative(process.cwd(), file).split(sep).join("/")}: dashboard script, ${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB`);
}
