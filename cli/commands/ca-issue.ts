// `koji-fleet ca issue server|client NAME`: a key and a certificate of the fleet CA for what
// does not enroll (nats-server, the controller's NATS identity, the enrollment identity, the
// API's TLS). The key is made here and written 0600 before it has content. Nothing is added
// to the CA's issued.jsonl: this runs as root, and a root-owned index would lock the
// controller (user koji-fleet) out of it; `ca revoke` is for enrolled hosts.
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { writeFileAtomic } from "../../shared/atomic-file.js";
import { FleetError } from "../../shared/errors.js";
import { CertificateAuthority } from "../../controller/ca/authority.js";
import { ISSUE_KINDS, issuePolicy } from "../../controller/ca/issue-policy.js";
import { oneOf } from "../command.js";

export interface CaIssueOptions {
  kind: string;
  name: string;
  sans: readonly string[];
  org?: string;
  ou?: string;
  days: number;
  outDir: string;
  caDir: string;
}

export async function caIssue(o: CaIssueOptions): Promise<number> {
  const kind = oneOf("certificate kind", o.kind, ISSUE_KINDS);
  if (o.name.includes("/") || o.name.startsWith(".")) throw new FleetError("KF_ERR_USAGE", `invalid certificate name '${o.name}': it names the files too`);
  const policy = issuePolicy({ kind, name: o.name, sans: o.sans, org: o.org, ou: o.ou, days: o.days });
  const keyFile = resolve(o.outDir, `${o.name}.key`);
  const certFile = resolve(o.outDir, `${o.name}.crt`);
  for (const f of [keyFile, certFile]) {
    if (await stat(f).catch(() => null)) throw new FleetError("KF_ERR_USAGE", `${f} exists; refusing to replace it (move it away to issue a new one)`);
  }
  const ca = await CertificateAuthority.load(o.caDir);
  const { keyPem, issued } = ca.issueWithNewKey(policy);
  await writeFileAtomic(keyFile, keyPem, 0o600);
  // The chain a TLS peer needs: the certificate, then the CA that signed it.
  await writeFileAtomic(certFile, issued.pem + ca.certificatePem, 0o644);
  console.log(`wrote ${keyFile} (0600) and ${certFile} (certificate + CA)`);
  console.log(`subject ${issued.subject}, serial ${issued.serial}, valid until ${issued.notAfter.toISOString()}`);
  const sans = [...(policy.dnsNames ?? []).map((d) => `DNS:${d}`), ...(policy.ipAddresses ?? []).map((ip) => `IP:${ip}`)];
  console.log(kind === "server" ? `usage: TLS server (serverAuth) for ${sans.join(", ")}` : `usage: TLS client (clientAuth); nats-server's verify_and_map user: "${issued.subject}"`);
  return 0;
}
