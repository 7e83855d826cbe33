// Answers kf.enroll: a host with a valid one-time token gets its NATS client certificate
// (signed from its own CSR), the CA certificate and the catalog-signing public key.
// The enrollment inbox is shared by every enrolling host, so the reply holds nothing secret.
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { AGENT_DN_SUFFIX, ENROLL_SUBJECT, isHostName } from "../../shared/names.js";
import type { Logger } from "../../shared/log.js";
import type { Subject } from "../../shared/dn.js";
import type { CertificateAuthority } from "./authority.js";
import { readCsr, type CertificateRequest } from "./csr.js";
import type { TokenStore } from "./tokens.js";
import type { CaRegistry } from "./registry.js";

export interface EnrollRequest {
  host: string;
  token: string;
  csr: string;
}

export type EnrollReply = { ok: true; certificatePem: string; caPem: string; catalogPublicKeyPem: string } | { ok: false; error: string };

export interface EnrollmentDeps {
  ca: CertificateAuthority;
  tokens: TokenStore;
  /** Whether git's fleet has this host: tokens alone do not make a host part of the fleet. */
  inFleet(host: string): boolean;
  catalogPublicKeyPem: string;
  /** Days an agent's NATS client certificate lives; renewed through its catalog later. */
  days?: number;
  onRefused?(host: string, reason: string): void;
  /** Where issued certificates are recorded (for revocation). */
  registry?: CaRegistry;
  /** The host's new certificate: its public key is what the host's secrets are sealed to. */
  onEnrolled?(host: string, certificatePem: string): Promise<void>;
}

/** The NATS identity of a host's agent: the DN its client certificate carries (verify_and_map). */
export const agentSubject = (host: string): Subject => {
  const [ou, o] = AGENT_DN_SUFFIX.split(",").map((rdn) => rdn.split("=")[1]!);
  return [["O", o!], ["OU", ou!], ["CN", host]];
};

export async function enroll(d: EnrollmentDeps, request: unknown): Promise<EnrollReply> {
  const req = request as Partial<EnrollRequest> | null;
  if (!req || typeof req.host !== "string" || typeof req.token !== "string" || typeof req.csr !== "string" || req.csr.length > 16_384) {
    return { ok: false, error: "malformed request: want {host, token, csr}" };
  }
  if (!isHostName(req.host)) return { ok: false, error: `invalid host name ${JSON.stringify(req.host)}` };
  if (!d.inFleet(req.host)) return refuse(d, req.host, `host ${req.host} is not in the fleet's git configuration`);
  // The request is checked before the token is spent: a bad one leaves the token usable.
  let csr: CertificateRequest;
  try {
    csr = readCsr(req.csr);
  } catch (err) {
    return refuse(d, req.host, (err as Error).message);
  }
  if (csr.commonName !== null && csr.commonName !== req.host) return refuse(d, req.host, `the CSR names ${csr.commonName}, not ${req.host}`);
  const check = await d.tokens.redeem(req.host, req.token);
  if (!check.ok) return refuse(d, req.host, check.reason);
  try {
    const issued = d.ca.issue(req.csr, { subject: agentSubject(req.host), usage: "client", days: d.days ?? 90 });
    await d.registry?.record(req.host, "agent", issued);
    await d.onEnrolled?.(req.host, issued.pem);
    return { ok: true, certificatePem: issued.pem, caPem: d.ca.certificatePem, catalogPublicKeyPem: d.catalogPublicKeyPem };
  } catch (err) {
    return refuse(d, req.host, (err as Error).message);
  }
}

function refuse(d: EnrollmentDeps, host: string, reason: string): EnrollReply {
  d.onRefused?.(host, reason);
  return { ok: false, error: `enrollment of ${host} refused: ${reason}` };
}

export function serveEnrollment(nc: NatsConnection, d: EnrollmentDeps, log: Logger): Subscription {
  const sub = nc.subscribe(ENROLL_SUBJECT);
  void (async () => {
    for await (const m of sub) {
      let body: unknown = null;
      try {
        body = m.json();
      } catch {
        // answered as malformed
      }
      const reply = await enroll(d, body);
      if (reply.ok) log.info({ host: (body as EnrollRequest).host }, "host enrolled");
      m.respond(JSON.stringify(reply));
    }
  })();
  return sub;
}
