// Admin by client certificate over a real HTTPS listener: inject() has no TLS socket, and what
// matters here is what Node's TLS layer reports (authorized, the peer's subject CN).
import { generateKeyPairSync } from "node:crypto";
import { request } from "node:https";
import forge from "node-forge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildApp } from "./app.js";
import { FleetState } from "../fleet/state.js";

const { pki, md } = forge;
interface Pair { cert: string; key: string }

/** A certificate for `cn`, signed by `issuer` (self-signed CA when there is none). */
function certificate(cn: string, issuer?: Pair, server = false): Pair {
  const key = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const fkey = pki.privateKeyFromPem(key) as forge.pki.rsa.PrivateKey;
  const c = pki.createCertificate();
  c.publicKey = pki.setRsaPublicKey(fkey.n, fkey.e);
  c.serialNumber = `01${Math.floor(Math.random() * 1e12).toString(16)}`;
  c.validity.notBefore = new Date(Date.now() - 60_000);
  c.validity.notAfter = new Date(Date.now() + 86_400_000);
  c.setSubject([{ shortName: "CN", value: cn }]);
  c.setIssuer(issuer ? pki.certificateFromPem(issuer.cert).subject.attributes : [{ shortName: "CN", value: cn }]);
  c.setExtensions(
    issuer
      ? [{ name: "extKeyUsage", serverAuth: server, clientAuth: !server }, ...(server ? [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }] : [])]
      : [{ name: "basicConstraints", cA: true, critical: true }, { name: "keyUsage", keyCertSign: true, critical: true }],
  );
  c.sign((issuer ? pki.privateKeyFromPem(issuer.key) : fkey) as forge.pki.rsa.PrivateKey, md.sha256.create());
  return { cert: pki.certificateToPem(c), key };
}

describe("HTTPS with admin client certificates", () => {
  let app: FastifyInstance;
  let port = 0;
  let syncs = 0;
  let ca: Pair;
  const clients: Record<string, Pair> = {};

  beforeAll(async () => {
    ca = certificate("koji-fleet test CA");
    const server = certificate("127.0.0.1", ca, true);
    clients.admin = certificate("ops-admin", ca);
    clients.agent = certificate("cs10-koji-03", ca);
    clients.stranger = certificate("ops-admin", certificate("another CA"));
    app = await buildApp({
      state: new FleetState(new Date().toISOString()),
      clock: () => new Date(),
      requestSync: () => void syncs++,
      reportedStatus: async () => null, readiness: () => ({ ready: true, reason: "ok" }),
      adminCommonNames: ["ops-admin"],
      https: { ...server, ca: ca.cert },
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => app?.close());

  const sync = (client?: Pair) =>
    new Promise<{ status: number; code?: string }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/api/v1/sync", method: "POST", headers: { "content-type": "application/json" }, ca: ca.cert, ...client }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode!, code: res.statusCode === 202 ? undefined : JSON.parse(body).error.code }));
      });
      req.on("error", reject);
      req.end();
    });

  it.each<[string, string | undefined, number, string | undefined]>([
    ["a certificate from the CA with an admin CN", "admin", 202, undefined],
    ["a certificate from the CA with another CN", "agent", 403, "KF_ERR_FORBIDDEN"],
    ["an admin CN from another CA", "stranger", 401, "KF_ERR_UNAUTHORIZED"],
    ["no certificate (loopback)", undefined, 401, "KF_ERR_UNAUTHORIZED"],
  ])("POST /api/v1/sync with %s → %i", async (_case, who, status, code) => {
    const before = syncs;
    expect(await sync(who ? clients[who] : undefined)).toEqual({ status, code });
    expect(syncs - before).toBe(status === 202 ? 1 : 0);
  });
});
