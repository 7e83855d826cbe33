// The Koji lane (npm run test:koji): the real Koji on what the roles render. Separate from
// `npm test` (vitest.config.ts excludes test/koji): it needs root, namespaces, Koji's source
// (KOJI_SRC) and Debian packages; see test/koji/README.md.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/koji/**/*.test.ts"],
    exclude: ["dist/**", "node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    pool: "forks",
    maxWorkers: 1,
  },
});
