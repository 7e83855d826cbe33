import { execFileSync } from "node:child_process";
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { readCsr } from "../controller/ca/csr.js";
import { rfc2253, type Subject } from "../shared/dn.js";
import { createCsr, generateIdentityKeyPem, generateKeyPem } from "./csr.js";
import { objectIdentifier, smallInteger, tlv } from "./der.js";

const openssl = (input: string, ...args: string[]) => execFileSync("openssl", args, { input, encoding: "utf8" });

describe("certificate requests", () => {
  const key = createPrivateKey(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }));

  it("openssl verifies the signature and reads the subject in order and the key's public half", () => {
    const subject: Subject = [["O", "mx-os-koji"], ["OU", "kojiweb"], ["CN", "cs10-koji-00.example"]];
    const csr = createCsr(key, subject);
    expect(openssl(csr, "req", "-verify", "-noout")).toBe("");
    expect(openssl(csr, "req", "-noout", "-subject", "-nameopt", "RFC2253").trim()).toBe(`subject=${rfc2253(subject)}`);
    expect(openssl(csr, "req", "-noout", "-pubkey")).toBe(createPublicKey(key).export({ type: "spki", format: "pem" }));
    expect(openssl(csr, "req", "-noout", "-text")).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
  });

  it("long values use multi-byte DER lengths and non-ASCII stays UTF-8", () => {
    const long = "b".repeat(300);
    const csr = createCsr(key, [["O", "Ñandú"], ["CN", long]]);
    expect(openssl(csr, "req", "-verify", "-noout")).toBe("");
    expect(openssl(csr, "req", "-noout", "-subject", "-nameopt", "RFC2253,-esc_msb").trim()).toBe(`subject=CN=${long},O=Ñandú`);
  });

  it("the fleet CA accepts it: it reads the requested CN and issues for the request's key", async () => {
    const keyPem = await generateKeyPem();
    const csr = createCsr(createPrivateKey(keyPem), [["CN", "cs10-koji-03"]]);
    expect(readCsr(csr).commonName).toBe("cs10-koji-03");
  });

  it("the agent's identity key is EC P-256: openssl verifies its ECDSA request and the fleet CA accepts it", async () => {
    const ec = createPrivateKey(await generateIdentityKeyPem());
    expect(ec.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    const csr = createCsr(ec, [["CN", "cs10-koji-03"]]);
    expect(openssl(csr, "req", "-verify", "-noout")).toBe("");
    expect(openssl(csr, "req", "-noout", "-text")).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expect(readCsr(csr).commonName).toBe("cs10-koji-03");
  });

  it("refuses a key that is neither RSA nor EC instead of writing a request with the wrong algorithm", () => {
    const ed = generateKeyPairSync("ed25519").privateKey;
    expect(() => createCsr(ed, [["CN", "x"]])).toThrow(/RSA or EC keys, not ed25519/);
  });
});

describe("DER", () => {
  it("encodes X.690's examples: object identifiers, integers with a sign octet, long lengths", () => {
    expect(objectIdentifier("1.2.840.113549.1.1.11").toString("hex")).toBe("06092a864886f70d01010b");
    expect(objectIdentifier("2.5.4.3").toString("hex")).toBe("0603550403");
    expect(smallInteger(0).toString("hex")).toBe("020100");
    expect(smallInteger(128).toString("hex")).toBe("02020080");
    expect(tlv(0x04, Buffer.alloc(200)).subarray(0, 3).toString("hex")).toBe("0481c8");
    expect(tlv(0x04, Buffer.alloc(300)).subarray(0, 4).toString("hex")).toBe("0482012c");
    expect(() => objectIdentifier("1")).toThrow(/not an object identifier/);
  });
});
