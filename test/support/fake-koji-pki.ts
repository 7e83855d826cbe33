// The fake Koji hub's PKI: a private CA (the fleet's own CertificateAuthority), the hub's server
// certificate for localhost and 127.0.0.1, and client certificates on demand, as Koji wants
// them (one PEM with certificate and key). Keys are the slow part: one CA, server certificate
// and client certificate per CN serve every hub of a test file unless it asks for a CA of its
// own (foreign certificates).
import { createPrivateKey } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createCsr, generateKeyPem } from "../../agent/csr.js";
import { CertificateAuthority, type IssuePolicy } from "../../controller/ca/authority.js";
import type { Subject } from "../../shared/dn.js";
import { makeTmpDir, removeDir } from "./tmp.js";

export interface Credential {
  readonly cert: string;
  readonly key: string;
}

export class FakeKojiPki {
  private readonly clients = new Map<string, Promise<Credential>>();

  private constructor(
    readonly ca: CertificateAuthority,
    readonly server: Credential,
  ) {}

  static async create(): Promise<FakeKojiPki> {
    const dir = await makeTmpDir("kf-fake-koji-ca-");
    try {
      const ca = await CertificateAuthority.init(dir, { subject: [["O", "fake-koji"], ["CN", "Fake Koji CA"]], keyBits: 2048 });
      return new FakeKojiPki(ca, await issue(ca, "localhost", { usage: "server", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] }));
    } finally {
      await removeDir(dir); // the CA lives on in memory
    }
  }

  /** The test file's shared PKI. */
  static shared(): Promise<FakeKojiPki> {
    return (sharedPki ??= FakeKojiPki.create());
  }

  /** A client certificate for `cn`, issued once per PKI. */
  client(cn: string): Promise<Credential> {
    const made = this.clients.get(cn) ?? issue(this.ca, cn, { usage: "client" });
    this.clients.set(cn, made);
    return made;
  }
}
let sharedPki: Promise<FakeKojiPki> | undefined;

/** The CA takes only the CSR's public key: the subject is policy. */
async function issue(ca: CertificateAuthority, cn: string, policy: Omit<IssuePolicy, "subject" | "days">): Promise<Credential> {
  const key = await generateKeyPem();
  const subject: Subject = [["O", "fake-koji"], ["CN", cn]];
  return { cert: ca.issue(createCsr(createPrivateKey(key), subject), { subject, days: 1, ...policy }).pem, key };
}

/** Catalog paths (under a probe test's root) of the PEM files its probes point at. */
export const PROBE_PKI = {
  ca: "/etc/pki/koji/koji_ca_cert.crt",
  otherCa: "/etc/pki/other/ca.crt",
  adminCert: "/etc/pki/koji/kojiadmin.crt",
  adminKey: "/etc/pki/koji/kojiadmin.key",
  adminPem: "/etc/pki/koji/kojiadmin.pem",
  /** kojiadmin again, but signed by another CA. */
  strangerPem: "/etc/pki/other/kojiadmin.pem",
};

/** Writes PROBE_PKI under `root`: `pki`'s CA and kojiadmin, and a CA of its own with its kojiadmin. */
export async function writeProbePki(root: string, pki: FakeKojiPki): Promise<void> {
  const other = await FakeKojiPki.create();
  const [admin, stranger] = [await pki.client("kojiadmin"), await other.client("kojiadmin")];
  const put = async (p: string, data: string) => {
    await mkdir(dirname(join(root, p)), { recursive: true });
    await writeFile(join(root, p), data, { mode: 0o600 });
  };
  await put(PROBE_PKI.ca, pki.ca.certificatePem);
  await put(PROBE_PKI.otherCa, other.ca.certificatePem);
  await put(PROBE_PKI.adminCert, admin.cert);
  await put(PROBE_PKI.adminKey, admin.key);
  await put(PROBE_PKI.adminPem, admin.cert + admin.key);
  await put(PROBE_PKI.strangerPem, stranger.cert + stranger.key);
}
