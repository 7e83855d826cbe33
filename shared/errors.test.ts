import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, exitCodeOf, FleetError } from "./errors.js";

describe("error catalogue", () => {
  const doc = readFileSync(new URL("../docs/errors.md", import.meta.url), "utf8");

  it.each(Object.entries(ERROR_CODES))("%s is documented with its intent, HTTP status and exit code", (code, e) => {
    const row = doc.split("\n").find((l) => l.startsWith(`| \`${code}\``));
    expect(row, `docs/errors.md has no row for ${code}`).toBeDefined();
    expect(row!.split("|").map((c) => c.trim()).slice(2, 5)).toEqual([e.intent, String(e.http), String(e.exit)]);
  });

  it("documents no code that does not exist", () => {
    const documented = [...doc.matchAll(/^\| `(KF_ERR_[A-Z_]+)`/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it("exit codes follow the catalogue; unknown errors are internal", () => {
    expect(exitCodeOf(new FleetError("KF_ERR_CONFIG_INVALID", "x"))).toBe(1);
    expect(exitCodeOf(new Error("x"))).toBe(70);
  });
});
