// The test lanes (test/lanes.ts says which file runs where): `vitest run` runs all three,
// `--project unit|int|e2e` one. test/koji is the Koji lane: npm run test:koji (vitest.koji.config.ts).
import { defineConfig } from "vitest/config";
import { dashboardVitePlugin } from "./packaging/dashboard.mjs";
import { END_TO_END, globsOf, INTEGRATION, KOJI, TEST_ROOTS } from "./test/lanes.js";

const NEVER = ["dist/**", "node_modules/**", ...globsOf(KOJI)];

export default defineConfig({
  // Tests run the controller from its sources: its dashboard script is bundled from them too.
  plugins: [dashboardVitePlugin()],
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: globsOf(TEST_ROOTS),
          exclude: [...NEVER, ...globsOf(INTEGRATION), ...globsOf(END_TO_END)],
          // No child process, no socket: a test that tries fails (test/support/unit-guard.ts).
          setupFiles: ["test/support/unit-guard.ts"],
        },
      },
      { extends: true, test: { name: "int", include: globsOf(INTEGRATION), exclude: NEVER } },
      { extends: true, test: { name: "e2e", include: globsOf(END_TO_END), exclude: NEVER } },
    ],
  },
});
