import { defineConfig } from "vitest/config";

export default defineConfig({
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
