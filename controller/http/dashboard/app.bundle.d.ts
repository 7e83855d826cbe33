// The dashboard's script: app/main.ts and what it imports, bundled by esbuild into one
// classic script (packaging/dashboard.mjs). The module is made, never written by hand:
// `npm run build` writes dist/controller/http/dashboard/app.bundle.js, packaging/bundle.mjs
// and vitest (vitest.config.ts) make it on the fly from the same sources. A dist/ built by tsc
// alone lacks it, and the controller then fails at start naming this module.
declare const script: string;
export default script;
