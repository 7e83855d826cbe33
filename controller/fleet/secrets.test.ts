import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Catalog } from "../../shared/protocol.js";
import { silentLogger } from "../../shared/log.js";
import { SecretVault } from "../trust/secrets-vault.js";
import { secretControl, secretUsers, secretViews } from "./secrets.js";

const catalog = (host: string, props: Record<string, unknown>[]): Catalog => ({ host, resources: props.map((p, i) => ({ id: `file:${i}`, kind: "file", props: p })), probes: [] }) as unknown as Catalog;
const CATALOGS = [
  catalog("hub", [{ content: "DBPass = {{secret:koji-db-password}}\n" }]),
  catalog("db", [{ passwordSecret: "koji-db-password" }]),
  catalog("web", [{ content: "Secret = {{secret:kojiweb-session-secret}}\n" }]),
  catalog("builder", [{ content: "no secrets" }]),
];

describe("secrets an operator sets", () => {
  it("secretUsers: each name with the hosts whose catalog uses it", () => {
    expect([...secretUsers(CATALOGS)]).toEqual([["koji-db-password", ["db", "hub"]], ["kojiweb-session-secret", ["web"]]]);
  });

  it("secretViews: names in use (none yet made: origin none) and stored ones no catalog uses", () => {
    const views = secretViews(secretUsers(CATALOGS), [{ name: "koji-db-password", origin: "operator", since: "2026-01-01T00:00:00Z" }, { name: "old", origin: "generated", since: "2025-01-01T00:00:00Z" }]);
    expect(views).toEqual([
      { name: "koji-db-password", origin: "operator", since: "2026-01-01T00:00:00Z", hosts: ["db", "hub"] },
      { name: "kojiweb-session-secret", origin: "none", since: null, hosts: ["web"] },
      { name: "old", origin: "generated", since: "2025-01-01T00:00:00Z", hosts: [] },
    ]);
  });

  const control = async () => {
    const vault = await SecretVault.open(mkdtempSync(join(tmpdir(), "kf-secrets-")));
    const republished: string[] = [];
    const events: string[] = [];
    const c = secretControl({ vault, catalogs: () => CATALOGS, republish: async (h) => void republished.push(h), emit: (m, d) => void events.push(JSON.stringify([m, d])), log: silentLogger() });
    return { vault, c, republished, events };
  };

  it("set: stores the value, republishes exactly the hosts using it, and the event names no value", async () => {
    const { vault, c, republished, events } = await control();
    const r = await c.set("koji-db-password", "s3cret-value", "alice");
    expect(r).toMatchObject({ ok: true, answer: { republished: ["db", "hub"], secret: { name: "koji-db-password", origin: "operator", hosts: ["db", "hub"] } } });
    expect(await vault.ensure("koji-db-password")).toBe("s3cret-value");
    expect(republished.sort()).toEqual(["db", "hub"]);
    expect(events).toHaveLength(1);
    expect(events[0]).toContain("set by alice");
    expect(JSON.stringify([r, events])).not.toContain("s3cret-value");
  });

  it("set refuses a name no catalog uses (with a suggestion) and a bad value, storing and republishing nothing", async () => {
    const { vault, c, republished } = await control();
    expect(await c.set("koji-db-pasword", "x", "api")).toEqual({ ok: false, code: "KF_ERR_NOT_FOUND", message: "no host's catalog uses a secret 'koji-db-pasword' (did you mean 'koji-db-password'?); the fleet uses: koji-db-password, kojiweb-session-secret" });
    expect(await c.set("koji-db-password", "", "api")).toMatchObject({ ok: false, code: "KF_ERR_USAGE" });
    expect(await c.set("koji-db-password", "a\nb", "api")).toMatchObject({ ok: false, code: "KF_ERR_USAGE" });
    expect(await vault.list()).toEqual([]);
    expect(republished).toEqual([]);
  });
});
