import { execFileSync } from "node:child_process";
import { createHash, createPublicKey } from "node:crypto";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import forge from "node-forge";
import { CA_CERT_FILE, CA_KEY_FILE, CertificateAuthority } from "./authority.js";
import { rfc2253, type Subject } from "../compile/pki.js";

const dir = fs.mkdtempSync(join(tmpdir(), "kf-ca-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const openssl = (...args: string[]) => execFileSync("openssl", args, { encoding: "utf8" });

/** openssl's -newkey for a key type: rsa:BITS, an EC curve (P-256 …) or ed25519. */
const NEWKEY: Record<string, string[]> = { ed25519: ["-newkey", "ed25519"] };
const newKey = (type: string): string[] => NEWKEY[type] ?? (type.startsWith("P-") ? ["-newkey", "ec", "-pkeyopt", `ec_paramgen_curve:${type}`] : ["-newkey", type]);

/** A CSR made the way an agent makes one: its own key, whatever subject it likes. */
function csr(cn: string, keyType = "rsa:2048"): string {
  const key = join(dir, `${cn}.key`);
  const out = join(dir, `${cn}.csr`);
  openssl("req", "-new", ...newKey(keyType), "-nodes", "-keyout", key, "-out", out, "-subj", `/CN=${cn}`);
  return fs.readFileSync(out, "utf8");
}
function inspect(pem: string, name: string) {
  const file = join(dir, `${name}.crt`);
  fs.writeFileSync(file, pem);
  return {
    verify: openssl("verify", "-CAfile", join(dir, "ca", CA_CERT_FILE), file).trim(),
    text: openssl("x509", "-in", file, "-noout", "-text"),
    subject: openssl("x509", "-in", file, "-noout", "-subject", "-nameopt", "RFC2253").trim(),
  };
}

const CA_SUBJECT: Subject = [["O", "mx-os-koji"], ["CN", "Koji CA"]];
let ca: CertificateAuthority;
beforeAll(async () => {
  ca = await CertificateAuthority.init(join(dir, "ca"), { subject: CA_SUBJECT, keyBits: 2048 });
});

describe("fleet CA", () => {
  it("init writes the CA certificate and a 0600 key in a 0700 directory, and refuses a second init", async () => {
    expect(fs.statSync(join(dir, "ca", CA_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(fs.statSync(join(dir, "ca", "private")).mode & 0o777).toBe(0o700);
    expect(openssl("x509", "-in", join(dir, "ca", CA_CERT_FILE), "-noout", "-text")).toMatch(/CA:TRUE, pathlen:0/);
    await expect(CertificateAuthority.init(join(dir, "ca"), { subject: CA_SUBJECT })).rejects.toThrow(/already exists/);
  });

  it("the kojiweb certificate: verifies, SHA-256, server+client EKU, SANs, and its RFC 2253 subject is exactly what ProxyDNs holds", async () => {
    const subject: Subject = [["O", "mx-os-koji"], ["OU", "kojiweb"], ["CN", "cs10-koji-00.mx-os"]];
    const issued = ca.issue(csr("web"), { subject, dnsNames: ["cs10-koji-00.mx-os", "cs10-koji-00"], usage: "server-client", days: 90 });
    const c = inspect(issued.pem, "web");
    expect(c.verify).toMatch(/: OK$/);
    expect(c.text).toContain("Signature Algorithm: sha256WithRSAEncryption");
    expect(c.text).toContain("TLS Web Server Authentication, TLS Web Client Authentication");
    expect(c.text).toContain("DNS:cs10-koji-00.mx-os, DNS:cs10-koji-00");
    expect(c.subject).toBe("subject=CN=cs10-koji-00.mx-os,OU=kojiweb,O=mx-os-koji");
    expect(c.subject).toBe(`subject=${rfc2253(subject)}`);
    expect(issued.subject).toBe(rfc2253(subject));
  });

  it("the subject comes from policy, not from the CSR: a CSR asking for another name gets the policy's", () => {
    const issued = ca.issue(csr("evil-admin"), { subject: [["O", "mx-os-koji"], ["OU", "kojid"], ["CN", "cs10-koji-03.mx-os"]], usage: "client", days: 30 });
    const c = inspect(issued.pem, "builder");
    expect(c.subject).toBe("subject=CN=cs10-koji-03.mx-os,OU=kojid,O=mx-os-koji");
    expect(c.text).toContain("TLS Web Client Authentication");
    expect(c.text).not.toContain("TLS Web Server Authentication");
  });

  it("a server certificate without SANs is refused (urllib3 2 ignores the CN)", () => {
    expect(() => ca.issue(csr("nosan"), { subject: [["CN", "hub"]], usage: "server", days: 30 })).toThrow(/needs at least one DNS or IP SAN/);
  });

  it("a CSR whose signature does not verify is refused", () => {
    const good = csr("tamper");
    const b64 = good.split("\n").filter((l) => !l.startsWith("-----")).join("");
    const der = Buffer.from(b64, "base64");
    der.writeUInt8(der.readUInt8(der.length - 5) ^ 0xff, der.length - 5); // flip a byte inside the signature
    const bad = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString("base64").replace(/(.{64})/g, "$1\n")}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(() => ca.issue(bad, { subject: [["CN", "x"]], usage: "client", days: 1 })).toThrow(/signature does not verify/);
  });

  // RFC 5280 method 1, computed here from the key itself: SHA-1 of an RSAPublicKey or of an EC point.
  const keyId = (pem: string): string => {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType === "rsa") return forge.pki.getPublicKeyFingerprint(forge.pki.publicKeyFromPem(pem), { encoding: "hex" }) as string;
    const { x, y } = key.export({ format: "jwk" });
    return createHash("sha1").update(Buffer.concat([Buffer.from([4]), Buffer.from(x!, "base64url"), Buffer.from(y!, "base64url")])).digest("hex");
  };

  it.each([
    ["rsa:2048", "Public-Key: (2048 bit)", true],
    ["rsa:3072", "Public-Key: (3072 bit)", true],
    ["P-256", "ASN1 OID: prime256v1", false],
    ["P-384", "ASN1 OID: secp384r1", false],
  ])("a %s request is signed for its own key: openssl verifies it, the key and its identifier are the request's", (type, shows, encipherment) => {
    const name = `key-${type.replace(":", "-")}`;
    const issued = ca.issue(csr(name, type), { subject: [["CN", name]], dnsNames: [`${name}.example`], usage: "server-client", days: 30 });
    const c = inspect(issued.pem, name);
    expect(c.verify).toMatch(/: OK$/);
    expect(c.text).toContain(shows);
    const requested = openssl("req", "-in", join(dir, `${name}.csr`), "-noout", "-pubkey");
    expect(openssl("x509", "-in", join(dir, `${name}.crt`), "-noout", "-pubkey")).toBe(requested);
    expect(c.text).toMatch(new RegExp(`Subject Key Identifier: *\\n *${keyId(requested).toUpperCase().replace(/(..)(?!$)/g, "$1:")}\\n`));
    expect(c.text.includes("Key Encipherment")).toBe(encipherment);
  });

  it.each([
    ["rsa:512", "RSA 512-bit"],
    ["rsa:1024", "RSA 1024-bit"],
    ["P-521", "EC P-521"],
    ["ed25519", "Ed25519"],
  ])("a %s request is refused, naming its key", (type, described) => {
    expect(() => ca.issue(csr(`weak-${type.replace(":", "-")}`, type), { subject: [["CN", "x"]], usage: "client", days: 1 })).toThrow(
      expect.objectContaining({ code: "KF_ERR_USAGE", message: `the certificate request's key is ${described}: the CA signs only RSA keys of at least 2048 bits and EC keys on P-256 or P-384` }),
    );
  });

  it("a request signed with SHA-1 is refused: the CA checks SHA-256/384/512 signatures only", () => {
    const out = join(dir, "sha1.csr");
    openssl("req", "-new", "-newkey", "rsa:2048", "-sha1", "-nodes", "-keyout", join(dir, "sha1.key"), "-out", out, "-subj", "/CN=sha1");
    expect(() => ca.issue(fs.readFileSync(out, "utf8"), { subject: [["CN", "x"]], usage: "client", days: 1 })).toThrow(/not signed with SHA-256\/384\/512/);
  });

  it.each([
    ["not PEM", "hello", /^not a PEM certificate request$/],
    ["PEM around garbage", "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", /^not a PEM certificate request: /],
  ])("%s is refused as not a request", (_case, pem, message) => {
    expect(() => ca.issue(pem, { subject: [["CN", "x"]], usage: "client", days: 1 })).toThrow(message);
  });

  it("load reads the CA back and refuses a key readable by others", async () => {
    const again = await CertificateAuthority.load(join(dir, "ca"));
    expect(again.certificatePem).toBe(ca.certificatePem);
    fs.chmodSync(join(dir, "ca", CA_KEY_FILE), 0o644);
    await expect(CertificateAuthority.load(join(dir, "ca"))).rejects.toThrow(/readable by group or others/);
    fs.chmodSync(join(dir, "ca", CA_KEY_FILE), 0o600);
  });
});

describe("revocation and user bundles", () => {
  it("a CRL listing revoked serials verifies against the CA with openssl and names them", () => {
    const a = ca.issue(csr("rev-a"), { subject: [["CN", "rev-a"]], usage: "client", days: 30 });
    const b = ca.issue(csr("rev-b"), { subject: [["CN", "rev-b"]], usage: "client", days: 30 });
    const file = join(dir, "koji_ca.crl");
    fs.writeFileSync(file, ca.crl([{ serial: a.serial, revokedAt: new Date() }]));
    const text = openssl("crl", "-in", file, "-CAfile", join(dir, "ca", CA_CERT_FILE), "-noout", "-text");
    expect(text).toContain(`Serial Number: ${a.serial.toUpperCase()}`);
    expect(text).not.toContain(b.serial.toUpperCase());
    expect(text).toContain("Signature Algorithm: sha256WithRSAEncryption");
    const verify = execFileSync("openssl", ["crl", "-in", file, "-CAfile", join(dir, "ca", CA_CERT_FILE), "-noout"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    expect(verify).toBe("");
    // and openssl verify with CRL checking refuses the revoked certificate, accepts the other
    fs.writeFileSync(join(dir, "a.crt"), a.pem);
    fs.writeFileSync(join(dir, "b.crt"), b.pem);
    const check = (crt: string) => {
      try {
        return execFileSync("openssl", ["verify", "-crl_check", "-CAfile", join(dir, "ca", CA_CERT_FILE), "-CRLfile", file, join(dir, crt)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string };
        return `${e.stdout ?? ""}${e.stderr ?? ""}`;
      }
    };
    expect(check("a.crt")).toMatch(/certificate revoked/);
    expect(check("b.crt")).toMatch(/: OK$/);
  });

  it("a user's PKCS#12 bundle opens with its password and holds a client certificate for the user", () => {
    const p12 = join(dir, "alice.p12");
    fs.writeFileSync(p12, ca.userBundle([["O", "mx-os-koji"], ["OU", "users"], ["CN", "alice"]], "s3cret-pass"));
    const certs = openssl("pkcs12", "-in", p12, "-passin", "pass:s3cret-pass", "-nokeys");
    expect(certs).toContain("subject=O = mx-os-koji, OU = users, CN = alice");
    expect(() => openssl("pkcs12", "-in", p12, "-passin", "pass:wrong", "-nokeys")).toThrow();
  });
});
