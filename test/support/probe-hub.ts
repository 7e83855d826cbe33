// Test support for the agent's http and xmlrpc probes (the controller's Koji objects have their
// own, fuller hub in fake-koji-hub.ts): a private CA (the fleet's own CertificateAuthority) and a
// fake Koji hub on a real HTTPS port of 127.0.0.1. The hub speaks XML-RPC through the shared
// codec, and behaves like kojihub where the probes depend on it: GET /kojihub → 405, sslLogin
// needs a verified client cert, sessions in Koji-Session-* headers (or the query string for an
// old hub), callnum checked, faults with faultString.
import { createPrivateKey, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import * as https from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import type { TLSSocket } from "node:tls";
import { join } from "node:path";
import { CertificateAuthority, type IssuePolicy } from "../../controller/ca/authority.js";
import { createCsr, generateKeyPem } from "../../agent/csr.js";
import type { Subject } from "../../shared/dn.js";
import { decodeCall, encodeFault, encodeResponse, type XmlRpcValue } from "../../shared/koji/xmlrpc-codec.js";

/** Catalog paths (under `root`) of the PEM files a probe points at. */
export const PKI = {
  ca: "/etc/pki/koji/koji_ca_cert.crt",
  otherCa: "/etc/pki/other/ca.crt",
  adminCert: "/etc/pki/koji/kojiadmin.crt",
  adminKey: "/etc/pki/koji/kojiadmin.key",
  adminPem: "/etc/pki/koji/kojiadmin.pem",
  /** kojiadmin again, but signed by another CA. */
  strangerPem: "/etc/pki/other/kojiadmin.pem",
};

export interface TestPki {
  caPem: string;
  server: { cert: string; key: string };
  admin: { cert: string; key: string };
}

async function issue(ca: CertificateAuthority, subject: Subject, policy: Omit<IssuePolicy, "subject" | "days">): Promise<{ cert: string; key: string }> {
  const key = await generateKeyPem();
  return { cert: ca.issue(createCsr(createPrivateKey(key), subject), { subject, days: 1, ...policy }).pem, key };
}

/** A CA, a server cert for 127.0.0.1 and a client cert for kojiadmin, written under root. */
export async function makePki(root: string): Promise<TestPki> {
  const ca = await CertificateAuthority.init(join(root, "ca"), { subject: [["O", "koji-fleet test"], ["CN", "Koji CA"]], keyBits: 2048 });
  const other = await CertificateAuthority.init(join(root, "other-ca"), { subject: [["CN", "Someone else's CA"]], keyBits: 2048 });
  const server = await issue(ca, [["O", "koji-fleet test"], ["CN", "hub.test"]], { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"], usage: "server" });
  const admin = await issue(ca, [["O", "koji-fleet test"], ["CN", "kojiadmin"]], { usage: "client" });
  const stranger = await issue(other, [["CN", "kojiadmin"]], { usage: "client" });
  const put = (p: string, data: string) => {
    mkdirSync(join(root, p, ".."), { recursive: true });
    writeFileSync(join(root, p), data, { mode: 0o600 });
  };
  put(PKI.ca, ca.certificatePem);
  put(PKI.otherCa, other.certificatePem);
  put(PKI.adminCert, admin.cert);
  put(PKI.adminKey, admin.key);
  put(PKI.adminPem, admin.cert + admin.key);
  put(PKI.strangerPem, stranger.cert + stranger.key);
  return { caPem: ca.certificatePem, server, admin };
}

export interface HubOptions {
  /** Old hub (< 1.30): sessions only in the query string, sslLogin answers without header-auth. */
  oldHub?: boolean;
  /**
   * httpd with `SSLVerifyClient require` inside <Location /kojihub/ssllogin>: over TLS 1.3 it
   * needs post-handshake auth, which Node clients cannot do, and answers 403 (pitfall 9).
   * Node's server cannot renegotiate for a client cert, so this stands in for httpd.
   */
  perLocationClientAuth?: boolean;
  /** Every call faults with ServerOffline, as when the hub cannot reach its database. */
  offline?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  tls: string;
  body: string;
}

export interface FakeHub {
  /** https://127.0.0.1:<port> */
  base: string;
  requests: RecordedRequest[];
  /** Session keys handed out, for the "never in an output" assertions. */
  keys: string[];
  loggedOut: number[];
  close(): Promise<void>;
}

const fault = (code: number, text: string) => encodeFault(code, text);
const AUTH_ERROR = 1002; // koji.AuthError.faultCode
const GENERIC_ERROR = 1000;
const SERVER_OFFLINE = 1014;

const hosts = (now: number): Record<string, XmlRpcValue>[] => [
  { id: 2, name: "builder1", arches: "x86_64", capacity: 2, task_load: 0, enabled: true, ready: true, update_ts: now - 5, comment: null },
  { id: 3, name: "builder2", arches: "aarch64", capacity: 2, task_load: 0, enabled: true, ready: true, update_ts: now - 3600, comment: null },
  { id: 4, name: "builder3", arches: "x86_64", capacity: 2, task_load: 0, enabled: false, ready: false, update_ts: now - 5, comment: null },
];

export async function startFakeHub(pki: TestPki, opts: HubOptions = {}): Promise<FakeHub> {
  const requests: RecordedRequest[] = [];
  const sessions = new Map<number, { key: string; user: string; callnum: number; expired: boolean }>();
  const keys: string[] = [];
  const loggedOut: number[] = [];

  function answer(req: RecordedRequest, socket: TLSSocket): { status: number; body: string } {
    if (req.path === "/koji/") return { status: 200, body: "<html><title>Build System Info | koji</title></html>" };
    if (req.path === "/repo/pkgs/rpms/bash/bash-5.2.tar.gz/sha512/abc/bash-5.2.tar.gz") return { status: 200, body: "tarball" };
    if (req.path === "/broken") return { status: 200, body: "<html>Internal Server Error</html>" };
    if (!req.path.startsWith("/kojihub")) return { status: 404, body: "Not Found" };
    if (req.method !== "POST") return { status: 405, body: "Method Not Allowed" };
    if (opts.offline) return { status: 200, body: fault(SERVER_OFFLINE, "database outage") };
    const { method, params } = decodeCall(req.body);
    if (req.path === "/kojihub/ssllogin") {
      if (opts.perLocationClientAuth && req.tls === "TLSv1.3") return { status: 403, body: "Forbidden: You don't have permission to access this resource." };
      if (method !== "sslLogin") return { status: 200, body: fault(GENERIC_ERROR, `Invalid method: ${method}`) };
      const cn = socket.getPeerCertificate()?.subject?.CN;
      if (!socket.authorized || typeof cn !== "string") return { status: 200, body: fault(AUTH_ERROR, `could not verify client: ${socket.authorizationError ?? "NONE"}`) };
      const id = sessions.size + 100;
      const key = `${id}-${randomBytes(12).toString("hex")}`;
      sessions.set(id, { key, user: cn, callnum: -1, expired: false });
      keys.push(key);
      return { status: 200, body: encodeResponse({ "session-id": id, "session-key": key, ...(!opts.oldHub && { "header-auth": true }) }) };
    }
    // The session: headers on a current hub, the query string on an old one (as kojihub/auth.py reads them).
    const q = new URLSearchParams(req.query);
    const [sid, skey, scall] = opts.oldHub
      ? [q.get("session-id"), q.get("session-key"), q.get("callnum")]
      : [req.headers["koji-session-id"], req.headers["koji-session-key"], req.headers["koji-session-callnum"]].map((h) => (typeof h === "string" ? h : null));
    let user: string | null = null;
    if (sid !== null && sid !== undefined) {
      const s = sessions.get(Number(sid));
      if (!s || s.key !== skey || s.expired) return { status: 200, body: fault(AUTH_ERROR, "Invalid session or bad credentials") };
      if (Number(scall) <= s.callnum) return { status: 200, body: fault(1007, `${s.callnum} > ${scall} (session ${sid})`) };
      s.callnum = Number(scall);
      user = s.user;
      if (method === "logout") {
        s.expired = true;
        loggedOut.push(Number(sid));
        return { status: 200, body: encodeResponse(null) };
      }
    }
    const now = Date.now() / 1000;
    switch (method) {
      case "getAPIVersion":
        return { status: 200, body: encodeResponse(1) };
      case "getLoggedInUser":
        return { status: 200, body: encodeResponse(user === null ? null : { id: 1, name: user, status: 0, usertype: 0, authtype: 2, krb_principals: [] }) };
      case "getUserPerms": {
        const perms: Record<string, string[]> = { kojira: ["repo"], kojiadmin: ["admin"], kojiweb: [] };
        const name = String(params[0]);
        return { status: 200, body: perms[name] ? encodeResponse(perms[name]) : fault(GENERIC_ERROR, `No such user: '${name}'`) };
      }
      case "getHost":
        return { status: 200, body: encodeResponse(hosts(now).find((h) => h.name === params[0]) ?? null) };
      case "listHosts": {
        const kw = (params.at(-1) ?? {}) as Record<string, XmlRpcValue>;
        const list = hosts(now).filter((h) => (kw.enabled === undefined || h.enabled === kw.enabled) && (kw.ready === undefined || h.ready === kw.ready));
        return { status: 200, body: encodeResponse(list) };
      }
      default:
        return { status: 200, body: fault(GENERIC_ERROR, `Invalid method: ${method}`) };
    }
  }

  const server = https.createServer(
    { key: pki.server.key, cert: pki.server.cert, ca: pki.caPem, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const socket = req.socket as TLSSocket;
        const url = new URL(req.url ?? "/", "https://hub.test");
        const rec: RecordedRequest = { method: req.method ?? "", path: url.pathname, query: url.search.slice(1), headers: req.headers, tls: socket.getProtocol() ?? "", body: Buffer.concat(chunks).toString() };
        requests.push(rec);
        if (rec.path === "/slow") return; // never answers: the client's timeout must end it
        let out: { status: number; body: string };
        try {
          out = answer(rec, socket);
        } catch (err) {
          out = { status: 200, body: fault(GENERIC_ERROR, (err as Error).message) };
        }
        res.writeHead(out.status, { "Content-Type": out.body.startsWith("<?xml") ? "text/xml" : "text/html" });
        res.end(rec.method === "HEAD" ? undefined : out.body);
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    base: `https://127.0.0.1:${port}`,
    requests, keys, loggedOut,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
