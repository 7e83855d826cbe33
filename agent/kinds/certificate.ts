// `certificate`: a private key made on this host (never sent anywhere) and a certificate the
// controller's CA signed for it. The CSR carries only the public key: subject, SANs and usage
// come from the controller's copy of this host's catalog. Renewal at 2/3 of the lifetime.
import type { X509Certificate, KeyObject } from "node:crypto";
import { createCsr, generateKeyPem } from "../csr.js";
import { nodeSubject } from "../../shared/dn.js";
import { resolveUnderRoot } from "../providers/files.js";
import { desiredOwnership, parseMode, requireParent } from "./common.js";
import { CertificatePropsSchema, type CertificateProps } from "../../shared/certificate-props.js";
import type { Kind, KindContext } from "./kind.js";

export interface CertificateObserved {
  key: KeyObject | null;
  cert: X509Certificate | null;
  /** Why a new certificate is needed, or null. */
  reissue: string | null;
  /** The CA file is absent (it comes with the next certificate). */
  caMissing: boolean;
  now: number;
}

const RENEW_AT = 2 / 3;

async function readKey(path: string, ctx: KindContext): Promise<KeyObject | null> {
  const pem = await ctx.files.readFile(resolveUnderRoot(ctx.root, path));
  if (!pem) return null;
  try {
    return ctx.pem.privateKey(pem.toString("utf8"));
  } catch {
    return null;
  }
}

async function readCert(path: string, ctx: KindContext): Promise<X509Certificate | null> {
  const pem = await ctx.files.readFile(resolveUnderRoot(ctx.root, path));
  if (!pem) return null;
  try {
    return ctx.pem.certificate(pem.toString("utf8"));
  } catch {
    return null;
  }
}

const sans = (props: CertificateProps): string[] => [...(props.dnsNames ?? []).map((d) => `DNS:${d}`), ...(props.ipAddresses ?? []).map((ip) => `IP Address:${ip}`)].sort();

/** Pure: whether the certificate on disk still is what the catalog asks for. */
export function reissueReason(props: CertificateProps, key: KeyObject | null, cert: X509Certificate | null, now: number): string | null {
  if (!key) return "no private key yet";
  if (!cert) return "no certificate yet";
  if (!cert.checkPrivateKey(key)) return "the certificate does not belong to the key";
  if (cert.subject !== nodeSubject(props.subject)) return `subject ${cert.subject.replace(/\n/g, ",")} is not ${nodeSubject(props.subject).replace(/\n/g, ",")}`;
  const have = (cert.subjectAltName ?? "").split(", ").filter(Boolean).sort();
  if (have.join(",") !== sans(props).join(",")) return `SANs ${have.join(",") || "none"} are not ${sans(props).join(",") || "none"}`;
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  if (now >= from + (to - from) * RENEW_AT) return `past 2/3 of its lifetime (expires ${new Date(to).toISOString()})`;
  return null;
}

export const certificateKind: Kind<CertificateProps, CertificateObserved> = {
  name: "certificate",
  schema: CertificatePropsSchema,
  appliesInSandbox: true,
  // Key generation and a round trip to the controller's CA.
  defaultTimeoutSeconds: 60,
  managedPath: (props) => props.certFile,
  summary: (props) => `certificate ${props.name} (${props.subject.map(([t, v]) => `${t}=${v}`).join(",")})`,

  async observe(props, ctx) {
    const key = await readKey(props.keyFile, ctx);
    const cert = await readCert(props.certFile, ctx);
    const now = ctx.clock().getTime();
    const caMissing = props.caFile !== undefined && !(await ctx.files.lstat(resolveUnderRoot(ctx.root, props.caFile)));
    return { key, cert, reissue: reissueReason(props, key, cert, now), caMissing, now };
  },

  diff(props, o) {
    const lines: string[] = [];
    if (!o.key) lines.push(`generate private key ${props.keyFile}`);
    if (o.reissue) lines.push(`request certificate ${props.name}: ${o.reissue}`);
    else if (o.caMissing) lines.push(`request certificate ${props.name}: CA certificate ${props.caFile} absent`);
    return lines;
  },

  async apply(props, o, ctx) {
    let key = o.key;
    if (!key) {
      const pem = await generateKeyPem();
      const own = await desiredOwnership({ owner: props.keyOwner, group: props.keyGroup }, ctx);
      await requireParent(props.keyFile, ctx);
      await ctx.files.writeFileAtomic(resolveUnderRoot(ctx.root, props.keyFile), pem, { mode: 0o600, ...own });
      key = ctx.pem.privateKey(pem);
    }
    if (!o.reissue && !o.caMissing && o.key) return;
    const issued = await ctx.certificates.request(props.name, createCsr(key, props.subject));
    const cert = ctx.pem.certificate(issued.certificatePem);
    // Trust the controller, but check: a certificate that is not for this key or policy is refused.
    const wrong = reissueReason(props, key, cert, ctx.clock().getTime());
    if (wrong && !wrong.startsWith("past 2/3")) throw new Error(`the CA returned a certificate that does not fit: ${wrong}`);
    const mode = parseMode(props.certMode ?? "0644");
    await requireParent(props.certFile, ctx);
    if (props.caFile) await requireParent(props.caFile, ctx);
    await ctx.files.writeFileAtomic(resolveUnderRoot(ctx.root, props.certFile), issued.certificatePem, { mode });
    if (props.caFile) await ctx.files.writeFileAtomic(resolveUnderRoot(ctx.root, props.caFile), issued.caPem, { mode });
  },
};
