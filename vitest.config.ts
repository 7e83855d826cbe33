import { defineConfig } from "vitest/config";
import { dashboardVitePlugin } from "./packaging/dashboard.mjs";

export default defineConfig({
  // Tests run the controller from its sources: its dashboard script is bundled from them too.
  plugins: [dashboardVitePlugin()],
  test: {
    include: ["shared/**/*.test.ts", "controller/**/*.test.ts", "agent/**/*.test.ts", "cli/**/*.test.ts", "test/**/*.test.ts"],
    // test/koji is the Koji lane: npm run test:koji (vitest.koji.config.ts).
    exclude: ["dist/**", "node_modules/**", "test/koji/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
