// The dashboard's script is the esbuild bundle of its TypeScript (controller/http/dashboard/app/,
// packaging/dashboard.mjs) wherever the controller runs: from the sources (every test), from
// `npm run build`'s dist/ (npm start), from the CLI bundle (the RPMs). A dist/ without it fails
// the controller's start instead of serving a 404.
import { execFile } from "node:child_process";
import { cp, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../controller/http/app.js";
import { FleetState } from "../controller/fleet/state.js";
import { BUNDLE_MODULE, SOURCE_DIR, buildDashboardScript, dashboardEsbuildPlugin } from "../packaging/dashboard.mjs";
import { useTmpDirs } from "./support/tmp.js";

const run = promisify(execFile);
const REPO = new URL("..", import.meta.url).pathname;
const tmp = useTmpDirs();
const deps = () => ({ state: new FleetState(new Date().toISOString()), clock: () => new Date(), requestSync: () => {}, reportedStatus: async () => null, readiness: () => ({ ready: true, reason: "" }) });

let fresh: string;
beforeAll(async () => {
  fresh = (await buildDashboardScript()).text;
});

describe("the dashboard's script", () => {
  it("is served as the bundle of its TS sources, with the page's headers", async () => {
    const app = await buildApp(deps());
    try {
      const [script, page] = [await app.inject("/dashboard/app.js"), await app.inject("/")];
      expect(script.statusCode).toBe(200);
      expect(script.body).toBe(fresh);
      expect(script.body).toMatch(/^\/\/ koji-fleet dashboard: bundled by esbuild from controller\/http\/dashboard\/app\/main\.ts/);
      expect(script.headers).toMatchObject({
        "content-type": "text/javascript; charset=utf-8",
        "cache-control": "no-cache",
        "content-security-policy": page.headers["content-security-policy"],
        "x-content-type-options": "nosniff",
      });
    } finally {
      await app.close();
    }
  });

  it("is the same bytes from npm run build's dist/ (what npm start runs)", async () => {
    const served = `
      const { buildApp } = await import(${JSON.stringify(join(REPO, "dist/controller/http/app.js"))});
      const { FleetState } = await import(${JSON.stringify(join(REPO, "dist/controller/fleet/state.js"))});
      const app = await buildApp({ state: new FleetState(new Date().toISOString()), clock: () => new Date(), requestSync() {}, reportedStatus: async () => null, readiness: () => ({ ready: true, reason: "" }) });
      process.stdout.write((await app.inject("/dashboard/app.js")).body);
      await app.close();`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", served], { maxBuffer: 16 << 20 }).catch((err: Error & { stderr?: string }) => {
      throw new Error(`the built controller did not start (run npm run build first): ${err.stderr ?? err.message}`);
    });
    expect(stdout === fresh, "dist/ serves another script than the sources' bundle: run npm run build").toBe(true);
  });

  it("is the same module in the CLI bundle (packaging/bundle.mjs's plugin)", async () => {
    const out = await build({
      stdin: { contents: `export { default } from "./${BUNDLE_MODULE}";`, resolveDir: REPO, loader: "js" },
      bundle: true, write: false, format: "esm", platform: "node", logLevel: "silent",
      plugins: [dashboardEsbuildPlugin()],
    });
    const mod = (await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0]!.contents).toString("base64")}`)) as { default: string };
    expect(mod.default).toBe(fresh);
  });

  it("missing from dist/: the controller fails at start, naming the module", async () => {
    const root = await tmp("kf-nobundle-");
    for (const dir of ["cli", "controller", "agent", "shared"]) await cp(join(REPO, "dist", dir), join(root, "dist", dir), { recursive: true });
    await rm(join(root, "dist", BUNDLE_MODULE));
    await writeFile(join(root, "package.json"), JSON.stringify({ type: "module" }));
    await symlink(join(REPO, "node_modules"), join(root, "node_modules"));
    const r = await run(process.execPath, [join(root, "dist/cli/main.js"), "controller", "--help"]).then(
      () => ({ code: 0, stderr: "" }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(join(root, "dist", BUNDLE_MODULE));
    // The commands that do not run the controller are unaffected.
    expect((await run(process.execPath, [join(root, "dist/cli/main.js"), "validate", "--help"])).stdout).toMatch(/usage/);
  });
});

describe("packaging/dashboard.mjs", () => {
  it(`takes types from anywhere but code only from ${SOURCE_DIR}/`, async () => {
    const root = await tmp("kf-dashsrc-");
    await mkdir(join(root, SOURCE_DIR), { recursive: true });
    await mkdir(join(root, "controller/fleet"), { recursive: true });
    await writeFile(join(root, "controller/fleet/phases.ts"), `export type Phase = "Ready";\nexport const PHASES = ["Ready"];\n`);
    const entry = (imports: string) => writeFile(join(root, SOURCE_DIR, "main.ts"), `${imports}\nconst p: Phase = "Ready";\nconsole.log(p);\n`);

    await entry(`import type { Phase } from "../../../fleet/phases.js";`);
    expect((await buildDashboardScript({ root })).text).toMatch(/p = "Ready";\n/);

    await entry(`import { PHASES, type Phase } from "../../../fleet/phases.js";\nconsole.log(PHASES);`);
    await expect(buildDashboardScript({ root })).rejects.toThrow(`the dashboard's bundle takes code from outside ${SOURCE_DIR}/ and shared/'s leaf modules: controller/fleet/phases.ts`);
  });

  it("takes code from a module of shared/ that imports nothing, not from one that imports", async () => {
    const root = await tmp("kf-dashshared-");
    const shared = `${"../".repeat(4)}shared`; // from the app's folder
    await mkdir(join(root, SOURCE_DIR), { recursive: true });
    await mkdir(join(root, "shared"), { recursive: true });
    await writeFile(join(root, "shared/words.ts"), `export const word = (n: number): string => n + " s";\n`);
    await writeFile(join(root, "shared/more-words.ts"), `import { word } from "./words.js";\nexport const twice = (n: number): string => word(n) + word(n);\n`);
    await writeFile(join(root, SOURCE_DIR, "main.ts"), `import { word } from "${shared}/words.js";\nconsole.log(word(3));\n`);
    expect((await buildDashboardScript({ root })).text).toContain('n + " s"');

    await writeFile(join(root, SOURCE_DIR, "main.ts"), `import { twice } from "${shared}/more-words.js";\nconsole.log(twice(3));\n`);
    await expect(buildDashboardScript({ root })).rejects.toThrow(/takes code from outside .*: shared\/more-words\.ts \(/);
  });
});
