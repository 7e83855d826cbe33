// The fleet CA: koji_ca_cert.crt and its key. X.509 with node-forge; keys come from Node's
// native crypto (forge's pure-JS keygen is ~5x slower and blocks the loop). The CA never sees
// a host's private key: it signs CSRs, and the subject, SANs and usage come from the CA's own
// policy (the git config), never from what the CSR asks for. The CSR's key must be RSA ≥ 2048
// or EC P-256/P-384 (csr.ts).
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import forge from "node-forge";
import { FleetError } from "../../shared/errors.js";
import { writeFileAtomic } from "../../shared/atomic-file.js";
import { rfc2253, type Subject } from "../../shared/dn.js";
import { readCsr } from "./csr.js";

const { pki, md } = forge;

export const CA_CERT_FILE = "koji_ca_cert.crt";
export const CA_KEY_FILE = join("private", "koji_ca_cert.key");

export type CertificateUsage = "server" | "client" | "server-client";

/** What the CA puts in a certificate: decided by the fleet config, not by the requester. */
export interface IssuePolicy {
  subject: Subject;
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
  usage: CertificateUsage;
  days: number;
}

export interface IssuedCertificate {
  pem: string;
  serial: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
}

const attrs = (subject: Subject) => subject.map(([type, value]) => ({ shortName: type, value }));
/** Positive, 16 bytes: RFC 5280 allows up to 20 and wants them unpredictable. */
const newSerial = (): string => `01${randomBytes(15).toString("hex")}`;

export function generateRsaKeyPem(bits: number): string {
  return generateKeyPairSync("rsa", { modulusLength: bits, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
}

export class CertificateAuthority {
  private constructor(
    readonly dir: string,
    private readonly cert: forge.pki.Certificate,
    private readonly key: forge.pki.rsa.PrivateKey,
  ) {}

  private nativeKey: KeyObject | null = null;

  /** Creates a new CA in `dir`; refuses to overwrite one. The key is 0600 before it has content. */
  static async init(dir: string, opts: { subject: Subject; days?: number; keyBits?: number; now?: Date }): Promise<CertificateAuthority> {
    if (await stat(join(dir, CA_KEY_FILE)).catch(() => null)) {
      throw new FleetError("KF_ERR_USAGE", `a CA already exists in ${dir}; refusing to replace it`);
    }
    await mkdir(join(dir, "private"), { recursive: true, mode: 0o700 });
    const keyPem = generateRsaKeyPem(opts.keyBits ?? 3072);
    const key = pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
    const now = opts.now ?? new Date();
    const cert = pki.createCertificate();
    cert.publicKey = pki.setRsaPublicKey(key.n, key.e);
    cert.serialNumber = newSerial();
    cert.validity.notBefore = new Date(now.getTime() - 60_000);
    cert.validity.notAfter = new Date(now.getTime() + (opts.days ?? 3650) * 86_400_000);
    cert.setSubject(attrs(opts.subject));
    cert.setIssuer(attrs(opts.subject));
    cert.setExtensions([
      { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
      { name: "subjectKeyIdentifier" },
    ]);
    cert.sign(key, md.sha256.create());
    await writeFileAtomic(join(dir, CA_KEY_FILE), keyPem, 0o600);
    await writeFileAtomic(join(dir, CA_CERT_FILE), pki.certificateToPem(cert), 0o644);
    return new CertificateAuthority(dir, cert, key);
  }

  static async load(dir: string): Promise<CertificateAuthority> {
    const read = (f: string) =>
      readFile(join(dir, f), "utf8").catch((err: unknown) => {
        throw new FleetError("KF_ERR_NOT_FOUND", `no CA in ${dir} (${f}: ${(err as Error).message}); create one with: koji-fleet ca init`);
      });
    const keyFile = join(dir, CA_KEY_FILE);
    const mode = (await stat(keyFile).catch(() => null))?.mode ?? 0;
    if ((mode & 0o077) !== 0) throw new FleetError("KF_ERR_USAGE", `${keyFile} is readable by group or others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
    const cert = pki.certificateFromPem(await read(CA_CERT_FILE));
    const key = pki.privateKeyFromPem(await read(CA_KEY_FILE)) as forge.pki.rsa.PrivateKey;
    return new CertificateAuthority(dir, cert, key);
  }

  get certificatePem(): string {
    return pki.certificateToPem(this.cert);
  }

  /**
   * A CRL (X.509 v2) listing `revoked`, signed like the certificates (SHA-256 with RSA).
   * node-forge has no CRL writer, so it is built from forge's ASN.1 primitives.
   */
  crl(revoked: readonly { serial: string; revokedAt: Date }[], now = new Date(), days = 7): string {
    const { asn1 } = forge;
    const seq = (...v: forge.asn1.Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, v);
    const time = (d: Date) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(d));
    const sha256WithRsa = () => seq(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer("1.2.840.113549.1.1.11").getBytes()), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ""));
    const serial = (hex: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, forge.util.hexToBytes(hex));
    const tbs = seq(
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, String.fromCharCode(1)), // v2
      sha256WithRsa(),
      pki.distinguishedNameToAsn1(this.cert.subject),
      time(now),
      time(new Date(now.getTime() + days * 86_400_000)),
      ...(revoked.length > 0 ? [seq(...revoked.map((r) => seq(serial(r.serial), time(r.revokedAt))))] : []),
    );
    const signature = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, String.fromCharCode(0) + this.rsaSha256(asn1.toDer(tbs).getBytes()));
    const der = asn1.toDer(seq(tbs, sha256WithRsa(), signature)).getBytes();
    return `-----BEGIN X509 CRL-----\n${forge.util.encode64(der).replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END X509 CRL-----\n`;
  }

  /**
   * A PKCS#12 bundle (key, certificate, CA) for a person's browser login to kojiweb. The one
   * place a key is made centrally: it is for a human, who imports it and keeps the file.
   */
  userBundle(subject: Subject, password: string, days = 365): Buffer {
    const { keyPem, issued } = this.issueWithNewKey({ subject, usage: "client", days }, 2048);
    const key = pki.privateKeyFromPem(keyPem);
    const p12 = forge.pkcs12.toPkcs12Asn1(key, [pki.certificateFromPem(issued.pem), this.cert], password, { algorithm: "aes256", friendlyName: subject.at(-1)?.[1] ?? "koji user" });
    return Buffer.from(forge.asn1.toDer(p12).getBytes(), "binary");
  }

  /**
   * A new RSA key and its certificate under `policy`: for a person (userBundle) or a service
   * that gets its key from the administrator (`koji-fleet ca issue`: nats-server, the API).
   * RSA, so a server certificate may also have keyEncipherment (issue()).
   */
  issueWithNewKey(policy: IssuePolicy, keyBits = 3072): { keyPem: string; issued: IssuedCertificate } {
    const keyPem = generateRsaKeyPem(keyBits);
    const key = pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
    const csr = pki.createCertificationRequest();
    csr.publicKey = pki.setRsaPublicKey(key.n, key.e);
    csr.sign(key, md.sha256.create());
    return { keyPem, issued: this.issue(pki.certificationRequestToPem(csr), policy) };
  }

  /** RSASSA-PKCS1-v1_5 with SHA-256 over `der` (a binary string), by Node's native crypto. */
  private rsaSha256(der: string): string {
    this.nativeKey ??= createPrivateKey(pki.privateKeyToPem(this.key));
    return sign("sha256", Buffer.from(der, "binary"), this.nativeKey).toString("binary");
  }

  /**
   * What forge's cert.sign() does, with the signature made natively: forge signs in pure
   * JavaScript (~40 ms per certificate with a 2048-bit key, more with 3072), which capped
   * enrollment at ~22 hosts a second.
   */
  private signNatively(cert: forge.pki.Certificate, spki?: Buffer): void {
    cert.siginfo.algorithmOid = cert.signatureOid = pki.oids.sha256WithRSAEncryption!;
    // Part of forge's API (cert.sign uses it) but missing from its type definitions.
    const { getTBSCertificate } = pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 };
    cert.tbsCertificate = getTBSCertificate(cert);
    // forge writes RSA keys only: the subject's key, whatever its type, goes into its slot
    // (version, serial, signature, issuer, validity, subject, key) as the request sent it.
    if (spki) (cert.tbsCertificate.value as forge.asn1.Asn1[])[6] = forge.asn1.fromDer(spki.toString("binary"));
    cert.signature = this.rsaSha256(forge.asn1.toDer(cert.tbsCertificate).getBytes());
  }

  /** Signs a CSR under `policy`. The CSR only contributes its (verified, strong enough) public key. */
  issue(csrPem: string, policy: IssuePolicy, now: Date = new Date()): IssuedCertificate {
    const request = readCsr(csrPem);
    const cert = pki.createCertificate();
    // A stand-in for forge, which cannot hold an EC key: signNatively puts the request's key in its place.
    cert.publicKey = this.cert.publicKey;
    cert.serialNumber = newSerial();
    cert.validity.notBefore = new Date(now.getTime() - 60_000);
    cert.validity.notAfter = new Date(now.getTime() + policy.days * 86_400_000);
    cert.setSubject(attrs(policy.subject));
    cert.setIssuer(this.cert.subject.attributes);
    const server = policy.usage !== "client";
    const client = policy.usage !== "server";
    const altNames = [
      ...(policy.dnsNames ?? []).map((value) => ({ type: 2, value })),
      ...(policy.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
    ];
    if (server && altNames.length === 0) {
      // urllib3 >= 2 ignores the CN: a server certificate without SANs is useless
      // (docs/pitfalls.md#pitfall-10).
      throw new FleetError("KF_ERR_USAGE", `server certificate for ${rfc2253(policy.subject)} needs at least one DNS or IP SAN`);
    }
    const { asn1 } = forge;
    cert.setExtensions([
      { name: "basicConstraints", cA: false, critical: true },
      // An EC key signs (ECDHE); only an RSA key may also encrypt the TLS key exchange (RFC 5480).
      { name: "keyUsage", digitalSignature: true, keyEncipherment: request.key.asymmetricKeyType === "rsa", critical: true },
      { name: "extKeyUsage", serverAuth: server, clientAuth: client },
      ...(altNames.length > 0 ? [{ name: "subjectAltName", altNames }] : []),
      // Given as bytes: forge would compute it from the stand-in key.
      { id: pki.oids.subjectKeyIdentifier, value: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, request.subjectKeyIdentifier.toString("binary")) },
      { name: "authorityKeyIdentifier", keyIdentifier: this.cert.generateSubjectKeyIdentifier().getBytes() },
    ]);
    this.signNatively(cert, request.spki);
    return { pem: pki.certificateToPem(cert), serial: cert.serialNumber, subject: rfc2253(policy.subject), notBefore: cert.validity.notBefore, notAfter: cert.validity.notAfter };
  }
}
