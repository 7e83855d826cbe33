// Answers certificate requests on kf.csr.<host>. The host is taken from the subject (which
// per-host NATS permissions bind to the host's identity), the policy from the controller's
// own copy of that host's catalog: a host can only get the certificates git assigns to it.
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { CSR_WILDCARD } from "../../shared/names.js";
import type { Catalog } from "../../shared/protocol.js";
import type { Logger } from "../../shared/log.js";
import type { CertificateProps } from "../../shared/certificate-props.js";
import type { CertificateAuthority, IssuedCertificate } from "./authority.js";
import type { CaRegistry } from "./registry.js";

export interface CsrRequest {
  name: string;
  csr: string;
}

export type CsrReply = { ok: true; certificatePem: string; caPem: string } | { ok: false; error: string };

/** Pure: the policy for `name` in the host's catalog, or why there is none. */
export function policyFor(catalog: Catalog | undefined, host: string, name: string): CertificateProps | string {
  if (!catalog) return `host ${host} has no catalog`;
  const resource = catalog.resources.find((r) => r.kind === "certificate" && r.props.name === name);
  if (!resource) return `host ${host}'s catalog has no certificate '${name}'`;
  return resource.props as CertificateProps;
}

export function handleCsr(
  ca: CertificateAuthority,
  catalog: Catalog | undefined,
  host: string,
  request: unknown,
): { reply: CsrReply; issued?: IssuedCertificate } {
  const req = request as Partial<CsrRequest> | null;
  if (!req || typeof req.name !== "string" || typeof req.csr !== "string" || req.csr.length > 16_384) {
    return { reply: { ok: false, error: "malformed request: want {name, csr}" } };
  }
  const policy = policyFor(catalog, host, req.name);
  if (typeof policy === "string") return { reply: { ok: false, error: policy } };
  try {
    const issued = ca.issue(req.csr, {
      subject: policy.subject,
      ...(policy.dnsNames && { dnsNames: policy.dnsNames }),
      ...(policy.ipAddresses && { ipAddresses: policy.ipAddresses }),
      usage: policy.usage,
      days: policy.days,
    });
    return { reply: { ok: true, certificatePem: issued.pem, caPem: ca.certificatePem }, issued };
  } catch (err) {
    return { reply: { ok: false, error: (err as Error).message } };
  }
}

export function serveCsrs(nc: NatsConnection, ca: CertificateAuthority, catalogOf: (host: string) => Catalog | undefined, log: Logger, registry?: CaRegistry): Subscription {
  const sub = nc.subscribe(CSR_WILDCARD);
  void (async () => {
    for await (const m of sub) {
      const host = m.subject.split(".")[2] ?? "";
      let body: unknown = null;
      try {
        body = m.json();
      } catch {
        // answered as malformed below
      }
      const { reply, issued } = (await registry?.barred(host))
        ? { reply: { ok: false, error: `the certificates of ${host} were revoked (koji-fleet ca revoke); it gets new ones only after enrolling again with a new token` } as CsrReply, issued: undefined }
        : handleCsr(ca, catalogOf(host), host, body);
      if (issued) await registry?.record(host, (body as CsrRequest).name, issued);
      if (issued) log.info({ host, name: (body as CsrRequest).name, serial: issued.serial, subject: issued.subject, notAfter: issued.notAfter }, "certificate issued");
      else log.warn({ host, error: reply.ok ? undefined : reply.error }, "certificate request refused");
      m.respond(JSON.stringify(reply));
    }
  })();
  return sub;
}
