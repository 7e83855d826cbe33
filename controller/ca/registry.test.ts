// The CA's index: what `ca issue` made is revocable by its NAME but is no host's (no NATS user
// to drop, no CSR bar), and the index is never written through a planted symlink.
import { readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTmpDirs } from "../../test/support/tmp.js";
import type { IssuedCertificate } from "./authority.js";
import { CaRegistry } from "./registry.js";

const tmp = useTmpDirs();
const cert = (serial: string, subject: string): IssuedCertificate => ({ pem: "", serial, subject, notBefore: new Date(0), notAfter: new Date("2030-01-01T00:00:00Z") });

describe("CaRegistry", () => {
  it("`ca issue` certificates are revoked by NAME and listed apart from hosts", async () => {
    const registry = new CaRegistry(await tmp());
    await registry.record("cs10-koji-03", "agent", cert("0a", "CN=cs10-koji-03"));
    await registry.recordIssued("server", "koji.example.org", cert("0b", "CN=koji.example.org"));
    await registry.recordIssued("client", "controller", cert("0c", "CN=controller,OU=controller,O=koji-fleet"));
    expect(await registry.knows("koji.example.org")).toBe(true);
    expect(await registry.knows("nats.example.org")).toBe(false);

    expect((await registry.revokeHost("koji.example.org")).map((r) => r.serial)).toEqual(["0b"]);
    expect((await registry.revokeHost("controller")).map((r) => r.serial)).toEqual(["0c"]);
    expect((await registry.revoked()).map((r) => r.serial).sort()).toEqual(["0b", "0c"]);
    // No host was revoked: nats-server keeps every host's user (a dotted name is no user at all).
    expect(await registry.revokedHosts()).toEqual([]);
    expect(await registry.revokedIssued()).toEqual([{ name: "controller", kind: "client" }, { name: "koji.example.org", kind: "server" }]);
    expect(await registry.barred("controller")).toBe(false);

    await registry.revokeHost("cs10-koji-03");
    expect(await registry.revokedHosts()).toEqual(["cs10-koji-03"]);
    expect(await registry.barred("cs10-koji-03")).toBe(true);
  });

  it("refuses to append through a symlink planted as the index; its target is untouched", async () => {
    const dir = await tmp();
    const victim = join(dir, "victim");
    await writeFile(victim, "root's file\n");
    await symlink(victim, join(dir, "issued.jsonl"));
    const registry = new CaRegistry(dir);
    await expect(registry.recordIssued("client", "enroll", cert("0d", "CN=enroll"))).rejects.toMatchObject({ code: "ELOOP" });
    expect(await readFile(victim, "utf8")).toBe("root's file\n");
  });
});
