// Each host's key, read from its enrollment certificate once, and again when the file is another one.
import { createPublicKey } from "node:crypto";
import { rm } from "node:fs/promises";
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

  it("gives the new key once the host is saved anew, and a host not enrolled yet once it is", async () => {
    const dir = await tmp("kf-hostkeys-");
    const keys = new HostKeys(dir);
    const key = async (host: string) => (await keys.publicKey(host))?.export({ type: "spki", format: "pem" }) ?? null;
    await keys.save("cs10-koji-00", certs[0]!.pem);
    expect(await key("cs10-koji-00")).toBe(certs[0]!.publicKey);
    await keys.save("cs10-koji-00", certs[1]!.pem);
    expect(await key("cs10-koji-00")).toBe(certs[1]!.publicKey);
    expect(await key("cs10-koji-03")).toBeNull();
    await keys.save("cs10-koji-03", certs[0]!.pem);
    expect(await key("cs10-koji-03")).toBe(certs[0]!.publicKey);
  });

  it("reads the file again when another controller sharing the directory saved it", async () => {
    const dir = await tmp("kf-hostkeys-");
    const keys = new HostKeys(dir);
    const other = new HostKeys(dir);
    await keys.save("cs10-koji-00", certs[0]!.pem);
    const first = await keys.publicKey("cs10-koji-00");
    await other.save("cs10-koji-00", certs[1]!.pem);
    expect((await keys.publicKey("cs10-koji-00"))?.export({ type: "spki", format: "pem" })).toBe(certs[1]!.publicKey);
    expect(await keys.publicKey("cs10-koji-00")).not.toBe(first);
    await rm(join(dir, "cs10-koji-00.crt"));
    expect(await keys.publicKey("cs10-koji-00")).toBeNull();
  });
});
