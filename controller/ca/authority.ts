// The fleet CA: koji_ca_cert.crt and its key. X.509 with node-forge; keys come from Node's
// native crypto (forge's pure-JS keygen is ~5x slower and blocks the loop). The CA never sees
// a host's private key: it signs CSRs, and the subject, SANs and usage come from the CA's own
// policy (the git config), never from what the CSR asks for.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import forge from "node-forge";
import { FleetError } from "../../shared/errors.js";
import { writeFileAtomic } from "../../shared/atomic-file.js";
import { rfc2253, type Subject } from "../../shared/dn.js";

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

  /** The CN a CSR asks for, if any: only to refuse requests that name someone else. */
  static requestedCommonName(csrPem: string): string | null {
    try {
      const value = pki.certificationRequestFromPem(csrPem).subject.getField("CN")?.value;
      return typeof value === "string" ? value : null;
    } catch {
      return null;
    }
  }

  /** Signs a CSR under `policy`. The CSR only contributes its (verified) public key. */
  issue(csrPem: string, policy: IssuePolicy, now: Date = new Date()): IssuedCertificate {
    let csr: forge.pki.CertificateSigningRequest;
    try {
      csr = pki.certificationRequestFromPem(csrPem);
    } catch (err) {
      throw new FleetError("KF_ERR_USAGE", `not a PEM certificate request: ${(err as Error).message}`);
    }
    // forge throws on a malformed signature and returns false on a wrong one.
    const verified = (() => {
      try {
        return csr.verify();
      } catch {
        return false;
      }
    })();
    if (!verified) throw new FleetError("KF_ERR_USAGE", "the certificate request's signature does not verify");
    if (!csr.publicKey) throw new FleetError("KF_ERR_USAGE", "the certificate request carries no public key");
    const cert = pki.createCertificate();
    cert.publicKey = csr.publicKey;
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
      // urllib3 >= 2 ignores the CN: a server certificate without SANs is useless (Koji pitfall 10).
      throw new FleetError("KF_ERR_USAGE", `server certificate for ${rfc2253(policy.subject)} needs at least one DNS or IP SAN`);
    }
    cert.setExtensions([
      { name: "basicConstraints", cA: false, critical: true },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: server, clientAuth: client },
      ...(altNames.length > 0 ? [{ name: "subjectAltName", altNames }] : []),
      { name: "subjectKeyIdentifier" },
      { name: "authorityKeyIdentifier", keyIdentifier: this.cert.generateSubjectKeyIdentifier().getBytes() },
    ]);
    cert.sign(this.key, md.sha256.create());
    return { pem: pki.certificateToPem(cert), serial: cert.serialNumber, subject: rfc2253(policy.subject), notBefore: cert.validity.notBefore, notAfter: cert.validity.notAfter };
  }
}
