// The command tables of README.md and docs/cli.md name every command `koji-fleet --help` lists.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "./commands.js";

const tableRows = (file: string): string[] => readFileSync(new URL(`../${file}`, import.meta.url), "utf8").split("\n").filter((l) => l.startsWith("| `"));

describe("command tables", () => {
  it.each(COMMANDS.map((c) => c.name))("README.md and docs/cli.md list `%s`", (name) => {
    expect(tableRows("README.md").some((r) => r.startsWith(`| \`koji-fleet ${name}`)), "README.md").toBe(true);
    expect(tableRows("docs/cli.md").some((r) => new RegExp(`^\\| (\`[^|]*\`, )?\`${name}[\` ]`).test(r)), "docs/cli.md").toBe(true);
  });
});
