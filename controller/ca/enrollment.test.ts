import { execFileSync } from "node:child_process";
import { createPublicKey, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CertificateAuthority } from "./authority.js";
import { enroll, type EnrollmentDeps } from "./enrollment.js";
import { TokenStore } from "./tokens.js";

const HOST = "cs10-koji-03";
const dir = mkdtempSync(join(tmpdir(), "kf-enroll-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let deps: EnrollmentDeps;
const refused: string[] = [];

beforeAll(async () => {
  const ca = await CertificateAuthority.init(join(dir, "ca"), { subject: [["CN", "test CA"]], keyBits: 2048 });
  deps = { ca, tokens: new TokenStore(join(dir, "tokens")), inFleet: () => true, catalogPublicKeyPem: "(pinned key)", onRefused: (_host, reason) => void refused.push(reason) };
});

/** A request as openssl makes it, for a key of `newkey` (openssl req -newkey …). */
function csr(name: string, ...newkey: string[]): string {
  const out = join(dir, `${name}.csr`);
  execFileSync("openssl", ["req", "-new", ...newkey, "-nodes", "-keyout", join(dir, `${name}.key`), "-out", out, "-subj", `/CN=${HOST}`]);
  return readFileSync(out, "utf8");
}

describe("enrollment and the request's key", () => {
  it.each([
    ["a 1024-bit RSA key", ["-newkey", "rsa:1024"], "the certificate request's key is RSA 1024-bit: the CA signs only RSA keys of at least 2048 bits and EC keys on P-256 or P-384"],
    ["an EC P-521 key", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521"], "the certificate request's key is EC P-521: the CA signs only RSA keys of at least 2048 bits and EC keys on P-256 or P-384"],
  ])("%s is refused, and the token stays good for a proper request", async (name, newkey, reason) => {
    const token = await deps.tokens.create(HOST, 3600);
    expect(await enroll(deps, { host: HOST, token, csr: csr(name.replace(/\W+/g, "-"), ...newkey) })).toEqual({ ok: false, error: `enrollment of ${HOST} refused: ${reason}` });
    expect(refused.at(-1)).toBe(reason);
    expect(await enroll(deps, { host: HOST, token, csr: csr(`${name.replace(/\W+/g, "-")}-then-rsa`, "-newkey", "rsa:2048") })).toMatchObject({ ok: true });
  });

  it("an EC P-256 key (what agents generate) is enrolled: a client certificate for that key", async () => {
    const token = await deps.tokens.create(HOST, 3600);
    const reply = await enroll(deps, { host: HOST, token, csr: csr("ec-p256", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256") });
    expect(reply).toMatchObject({ ok: true });
    const cert = new X509Certificate((reply as { certificatePem: string }).certificatePem);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    expect(cert.publicKey.export({ type: "spki", format: "pem" })).toBe(createPublicKey(readFileSync(join(dir, "ec-p256.key"))).export({ type: "spki", format: "pem" }));
  });
});
