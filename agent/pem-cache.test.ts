import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateKeyPem } from "./csr.js";
import { PemCache } from "./pem-cache.js";
import { useTmpDirs } from "../test/support/tmp.js";

const tmp = useTmpDirs();

describe("PemCache", () => {
  it("gives the same parsed key for the same text and parses a changed text afresh", async () => {
    const pem = new PemCache();
    const [a, b] = [await generateKeyPem(), await generateKeyPem()];
    const keyA = pem.privateKey(a);
    expect(pem.privateKey(a)).toBe(keyA);
    const keyB = pem.privateKey(b);
    expect(keyB).not.toBe(keyA);
    expect(keyB.asymmetricKeyType).toBe("rsa");
  });

  it("keeps keys and certificates apart, and a certificate's parse is remembered too", async () => {
    const dir = await tmp();
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "k.pem"), "-out", join(dir, "c.pem"), "-subj", "/CN=cs10-koji-04.mx-os", "-days", "1"], { stdio: "ignore" });
    const pem = new PemCache();
    const cert = pem.certificate(readFileSync(join(dir, "c.pem"), "utf8"));
    expect(pem.certificate(readFileSync(join(dir, "c.pem"), "utf8"))).toBe(cert);
    expect(cert.checkPrivateKey(pem.privateKey(readFileSync(join(dir, "k.pem"), "utf8")))).toBe(true);
    expect(pem.size).toBe(2);
  });

  it("throws on a text that is not PEM and remembers nothing for it", () => {
    const pem = new PemCache();
    expect(() => pem.privateKey("not a key")).toThrow();
    expect(() => pem.certificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")).toThrow();
    expect(pem.size).toBe(0);
  });

  it("holds at most its bound, dropping the least recently used", async () => {
    const pem = new PemCache(2);
    const [a, b, c] = [await generateKeyPem(), await generateKeyPem(), await generateKeyPem()];
    const keyA = pem.privateKey(a);
    const keyB = pem.privateKey(b);
    expect(pem.privateKey(a)).toBe(keyA); // a is now the most recently used
    pem.privateKey(c);
    expect(pem.size).toBe(2);
    expect(pem.privateKey(a)).toBe(keyA);
    expect(pem.privateKey(b)).not.toBe(keyB);
  });
});
