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

describe("secret vault: values an operator sets", () => {
  it("set replaces a generated value, survives a new instance, and list names it without the value", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kf-vault-"));
    const vault = await SecretVault.open(dir);
    const generated = await vault.ensure("koji-db-password");
    await vault.ensure("kojiweb-session-secret");
    const set = await vault.set("koji-db-password", "the old farm's password");
    expect(set).toMatchObject({ name: "koji-db-password", origin: "operator" });
    expect(await vault.ensure("koji-db-password")).toBe("the old farm's password");
    const reopened = await SecretVault.open(dir);
    expect(await reopened.ensure("koji-db-password")).toBe("the old farm's password");
    const listed = await reopened.list();
    expect(listed.map((s) => [s.name, s.origin])).toEqual([["koji-db-password", "operator"], ["kojiweb-session-secret", "generated"]]);
    expect(JSON.stringify(listed)).not.toContain("old farm");
    expect(readFileSync(join(dir, "secrets.json"), "utf8")).not.toContain("old farm");
    expect(readFileSync(join(dir, "secrets.json"), "utf8")).not.toContain(generated);
    expect(statSync(join(dir, "secrets.json")).mode & 0o777).toBe(0o600);
  });
});
