// The Koji lane (npm run test:koji): the real Koji on what the agents converge. Separate from
// `npm test` (vitest.config.ts excludes test/koji): it needs root, namespaces, Koji's source
// (KOJI_SRC) and Debian packages; see test/koji/README.md.
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { defineConfig } from "vitest/config";
import { dashboardVitePlugin } from "./packaging/dashboard.mjs";

/** The files share one farm (global-setup.ts): the one that pushes changes to git runs last. */
class FarmChangesLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const last = (f: TestSpecification) => (f.moduleId.endsWith("/change.test.ts") ? 1 : 0);
    return [...files].sort((a, b) => last(a) - last(b) || a.moduleId.localeCompare(b.moduleId));
  }
}

export default defineConfig({
  // As in vitest.config.ts: a test that imports the controller's sources gets its dashboard script.
  plugins: [dashboardVitePlugin()],
  test: {
    include: ["test/koji/**/*.test.ts"],
    globalSetup: ["test/koji/global-setup.ts"],
    exclude: ["dist/**", "node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    pool: "forks",
    maxWorkers: 1,
    sequence: { sequencer: FarmChangesLast },
  },
});
