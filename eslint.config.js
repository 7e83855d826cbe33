// The layering, enforced (docs/architecture.md): shared/ imports nothing of ours; agent/ and
// controller/ never import each other; cli/ may import both; product code never imports test
// support. Tests, their fixtures (testdata/) and helpers (test/support/) may import anything. Only these import
// rules (and the one below on the controller's composition root) are linted: style is tsc's and review's.
import tsParser from "@typescript-eslint/parser";

const forbid = (...dirs) => ({
  "no-restricted-imports": ["error", {
    patterns: dirs.map((dir) => ({ group: [`**/${dir}/**`, `${dir}/**`], message: `this layer must not import ${dir}/ (eslint.config.js)` })),
  }],
});

const TESTS = ["**/*.test.ts", "**/testdata/**", "test/**", "bench/**"];

export default [
  { ignores: ["dist/**", "node_modules/**", "gitops/**", "packaging/**"] },
  // The code's eslint-disable comments name rules not linted here (no-control-regex): not reported.
  { files: ["**/*.ts"], languageOptions: { parser: tsParser, parserOptions: { sourceType: "module" } }, linterOptions: { reportUnusedDisableDirectives: "off" } },
  { files: ["shared/**/*.ts"], ignores: TESTS, rules: forbid("agent", "controller", "cli", "test") },
  { files: ["agent/**/*.ts"], ignores: TESTS, rules: forbid("controller", "cli", "test") },
  { files: ["controller/**/*.ts"], ignores: TESTS, rules: forbid("agent", "cli", "test") },
  { files: ["cli/**/*.ts"], ignores: TESTS, rules: forbid("test") },
  // The controller's composition root holds nothing that is null until later, so it needs no
  // `x!`. Core ESLint's selector rule, as @typescript-eslint's no-non-null-assertion is not installed.
  {
    files: ["controller/controller.ts", "controller/leader.ts"],
    rules: { "no-restricted-syntax": ["error", { selector: "TSNonNullExpression", message: "no non-null assertion in the composition root: give the value a stage or a constructor (eslint.config.js)" }] },
  },
];
