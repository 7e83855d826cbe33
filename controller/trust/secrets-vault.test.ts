import { mkdtempSync, statSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SecretVault } from "./secrets-vault.js";

describe("secret vault", () => {
  it("many first uses at once: every value is kept, and a new instance reads the same values", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kf-vault-"));
    const vault = await SecretVault.open(dir);
    const names = Array.from({ length: 10 }, (_, i) => `s${i}`);
    const first = await Promise.all(names.map((n) => vault.ensure(n)));
    const again = await Promise.all(names.map(async (n) => (await SecretVault.open(dir)).ensure(n)));
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(10);
  });

  it("values are encrypted at rest; key and store are 0600", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kf-vault-"));
    const value = await (await SecretVault.open(dir)).ensure("koji-db-password");
    expect(readFileSync(join(dir, "secrets.json"), "utf8")).not.toContain(value);
    expect(statSync(join(dir, "secrets.json")).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "secrets.key")).mode & 0o777).toBe(0o600);
  });
});
