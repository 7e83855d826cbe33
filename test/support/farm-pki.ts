// The fleet CA of a test (controller/ca): certificates issued under the policy their catalog
// resource states, exactly as the CSR service signs them, and recorded in the CA's registry.
import { createPrivateKey } from "node:crypto";
import { join } from "node:path";
import forge from "node-forge";
import { createCsr, generateKeyPem } from "../../agent/csr.js";
import { CertificateAuthority, type IssuePolicy } from "../../controller/ca/authority.js";
import { CaRegistry } from "../../controller/ca/registry.js";
import { compiled, reference } from "./compiled-fleet.js";
import type { CertificateProps } from "../../shared/certificate-props.js";

export interface Credential {
  cert: string;
  key: string;
}

export interface FarmPki {
  readonly ca: CertificateAuthority;
  readonly registry: CaRegistry;
  /** certificate:<name> of `host`'s reference catalog, issued and recorded. */
  issue(host: string, name: string): Promise<Credential>;
  /** A person's certificate as `koji-fleet ca user <cn>` makes it (its PKCS#12, unpacked to PEM). */
  user(cn: string): Credential;
  /** The DNS names the catalog asks for in `host`'s certificate `name`. */
  dnsNames(host: string, name: string): readonly string[];
}

const policyOf = (host: string, name: string): IssuePolicy => {
  const p = compiled().resource(host, `certificate:${name}`).props as unknown as CertificateProps;
  return { subject: p.subject, ...(p.dnsNames && { dnsNames: p.dnsNames }), usage: p.usage, days: p.days };
};

/** A new CA under `dir`/ca with the reference fleet's subject. */
export async function farmPki(dir: string): Promise<FarmPki> {
  const ca = await CertificateAuthority.init(join(dir, "ca"), { subject: [["O", reference().fleet.name], ["CN", "Koji CA"]], keyBits: 2048 });
  const registry = new CaRegistry(ca.dir);
  return {
    ca,
    registry,
    async issue(host, name) {
      const policy = policyOf(host, name);
      const key = await generateKeyPem();
      const issued = ca.issue(createCsr(createPrivateKey(key), policy.subject), policy);
      await registry.record(host, name, issued);
      return { cert: issued.pem, key };
    },
    user(cn) {
      const password = "lane-user-password";
      return unpackUserBundle(ca.userBundle([["O", reference().fleet.name], ["OU", "users"], ["CN", cn]], password), password, cn);
    },
    dnsNames: (host, name) => policyOf(host, name).dnsNames ?? [],
  };
}

/** The key and CN's certificate of a `koji-fleet ca user` PKCS#12 bundle, as PEM. */
export function unpackUserBundle(p12Der: Buffer, password: string, cn: string): Credential {
  const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(p12Der.toString("binary")), password);
  const keyBag = forge.pki.oids.pkcs8ShroudedKeyBag!;
  const certBag = forge.pki.oids.certBag!;
  const key = p12.getBags({ bagType: keyBag })[keyBag]![0]!.key!;
  const cert = p12.getBags({ bagType: certBag })[certBag]!.map((b) => b.cert!).find((c) => c.subject.getField("CN")?.value === cn)!;
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(key) };
}
