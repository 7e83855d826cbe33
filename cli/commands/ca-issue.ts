// `koji-fleet ca issue server|client NAME`: a key and a certificate of the fleet CA for what
// does not enroll (nats-server, the controller's NATS identity, the enrollment identity, the
// API's TLS). The key is made here and written 0600 before it has content. Each file is placed
// by link(), so one that appeared at its path since the command started is never replaced.
// The certificate is recorded in the CA's issued.jsonl, so `ca revoke NAME` puts it in the CRL;
// one that could not be recorded is not left behind.
import { lstat, unlink } from "node:fs/promises";
import { resolve } from "node:path";
import { writeNewFile } from "../../shared/atomic-file.js";
import { FleetError } from "../../shared/errors.js";
import { CertificateAuthority } from "../../controller/ca/authority.js";
import { ISSUE_KINDS, issuePolicy } from "../../controller/ca/issue-policy.js";
import { CaRegistry } from "../../controller/ca/registry.js";
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
  // Fails early, before a key is made; the links below are what make sure.
  for (const f of [keyFile, certFile]) if (await lstat(f).catch(() => null)) throw exists(f);
  const ca = await CertificateAuthority.load(o.caDir);
  const { keyPem, issued } = ca.issueWithNewKey(policy);
  const placed: string[] = [];
  try {
    await placeNew(keyFile, keyPem, 0o600);
    placed.push(keyFile);
    // The chain a TLS peer needs: the certificate, then the CA that signed it.
    await placeNew(certFile, issued.pem + ca.certificatePem, 0o644);
    placed.push(certFile);
    await new CaRegistry(o.caDir).recordIssued(kind, o.name, issued);
  } catch (err) {
    // Only what this run placed: a key without its certificate, or a certificate `ca revoke` could not cover.
    for (const f of placed) await unlink(f).catch(() => undefined);
    throw err;
  }
  console.log(`wrote ${keyFile} (0600) and ${certFile} (certificate + CA)`);
  console.log(`subject ${issued.subject}, serial ${issued.serial}, valid until ${issued.notAfter.toISOString()}`);
  const sans = [...(policy.dnsNames ?? []).map((d) => `DNS:${d}`), ...(policy.ipAddresses ?? []).map((ip) => `IP:${ip}`)];
  console.log(kind === "server" ? `usage: TLS server (serverAuth) for ${sans.join(", ")}` : `usage: TLS client (clientAuth); nats-server's verify_and_map user: "${issued.subject}"`);
  return 0;
}

const exists = (f: string): FleetError => new FleetError("KF_ERR_USAGE", `${f} exists; refusing to replace it (move it away to issue a new one)`);

/** Writes a file that must not exist: EEXIST (something appeared there since the check) is the usage error. */
async function placeNew(path: string, data: string, mode: number): Promise<void> {
  try {
    await writeNewFile(path, data, mode);
  } catch (err) {
    throw (err as NodeJS.ErrnoException).code === "EEXIST" ? exists(path) : err;
  }
}
