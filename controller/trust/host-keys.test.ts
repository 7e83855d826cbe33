// Each host's key, parsed from its enrollment certificate once and again only when the file holds another.
import { createPublicKey } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CertificateAuthority } from "../ca/authority.js";
import { useTmpDirs } from "../../test/support/tmp.js";
import { HostKeys } from "./host-keys.js";

const tmp = useTmpDirs();
const spki = (keyPem: string): string => createPublicKey(keyPem).export({ type: "spki", format: "pem" }).toString();

describe("HostKeys", () => {
  const certs: { pem: string; publicKey: string }[] = [];
  beforeAll(async () => {
    const ca = await CertificateAuthority.init(join(await tmp("kf-hostkeys-"), "ca"), { subject: [["CN", "Koji CA"]], keyBits: 2048 });
    for (let i = 0; i < 2; i++) {
      const { keyPem, issued } = ca.issueWithNewKey({ subject: [["CN", "cs10-koji-00"]], usage: "client", days: 30 }, 2048);
      certs.push({ pem: issued.pem, publicKey: spki(keyPem) });
    }
  });

  it("gives the key of the certificate on disk, parsed once while the file stays the same", async () => {
    const dir = await tmp("kf-hostkeys-");
    const keys = new HostKeys(dir);
    expect(await keys.publicKey("cs10-koji-00")).toBeNull();
    await keys.save("cs10-koji-00", certs[0]!.pem);
    const first = await keys.publicKey("cs10-koji-00");
    expect(first?.export({ type: "spki", format: "pem" })).toBe(certs[0]!.publicKey);
    expect(await keys.publicKey("cs10-koji-00")).toBe(first);
  });

  it("reads the file again when it is saved anew, replaced behind its back, or removed", async () => {
    const dir = await tmp("kf-hostkeys-");
    const keys = new HostKeys(dir);
    const key = async () => (await keys.publicKey("cs10-koji-00"))?.export({ type: "spki", format: "pem" }) ?? null;
    await keys.save("cs10-koji-00", certs[0]!.pem);
    expect(await key()).toBe(certs[0]!.publicKey);
    await keys.save("cs10-koji-00", certs[1]!.pem);
    expect(await key()).toBe(certs[1]!.publicKey);
    // Another writer (a restore from backup) rewrites the file in place.
    await writeFile(join(dir, "cs10-koji-00.crt"), certs[0]!.pem);
    expect(await key()).toBe(certs[0]!.publicKey);
    await rm(join(dir, "cs10-koji-00.crt"));
    expect(await key()).toBeNull();
  });
});
