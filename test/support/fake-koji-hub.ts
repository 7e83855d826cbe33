// A fake Koji hub over real HTTPS, for the koji-object tests: a private CA (the fleet's own
// CertificateAuthority), a server certificate for localhost/127.0.0.1, client certificates on
// demand, and EXACTLY the XML-RPC calls controller/koji uses, with kojihub's semantics and
// fault strings (kojihub.py, auth.py at 1.35). It records every call, in order.
// httpd's layout is mimicked: the client certificate counts only on /kojihub/ssllogin (the
// <Location> with SSLVerifyClient require), and there only over TLS 1.2, because a client
// without post-handshake auth gets 403 on TLS 1.3 (koji.md pitfall 9).
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import forge from "node-forge";
import { CertificateAuthority, generateRsaKeyPem } from "../../controller/ca/authority.js";
import { decodeCall, encodeFault, encodeResponse, type XmlRpcStruct, type XmlRpcValue } from "../../shared/koji/xmlrpc-codec.js";
import { makeTmpDir, removeDir } from "./tmp.js";

export interface RecordedCall {
  readonly method: string;
  readonly params: XmlRpcValue[];
  readonly path: string;
  /** Negotiated TLS version, e.g. "TLSv1.2". */
  readonly tls: string | null;
  /** The session's user, or null for an anonymous call. */
  readonly user: string | null;
  readonly sessionVia: "header" | "query" | null;
}
export interface FakeUser { id: number; name: string; usertype: number; perms: Set<string> }
export interface FakeHost { id: number; userId: number; name: string; arches: string; capacity: number; enabled: boolean; description: string | null; comment: string | null; channels: Set<string> }

export interface FakeKojiHubOptions {
  /** What sslLogin answers in `header-auth` (hubs >= 1.30: true). false: an old hub, URL sessions. */
  readonly headerAuth?: boolean;
  /** hub.conf LoginCreatesUser (koji-fleet's default: on): an unknown CN becomes a NORMAL user. */
  readonly loginCreatesUser?: boolean;
  /** A CA of its own instead of the one shared by this test file's hubs (foreign certificates). */
  readonly privateCa?: boolean;
}

const NORMAL = 0;
const HOST = 1;
const PERMISSIONS = ["admin", "appliance", "dist-repo", "host", "image", "livecd", "maven-import", "regen-repo", "repo", "sign", "tag", "target"];
const CHANNELS = ["default", "createrepo", "maven", "livecd", "appliance", "vm", "image", "livemedia"];
export const READ_METHODS: ReadonlySet<string> = new Set(["getUser", "getUserPerms", "getHost", "listChannels"]);

class Fault extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}
/** Koji's GenericError is 1000; AuthError 1002, ActionNotAllowed 1004, AuthExpired 1007, … */
function fail(msg: string, code = 1000): never {
  throw new Fault(code, msg);
}

export class FakeKojiHub {
  readonly calls: RecordedCall[] = [];
  readonly users = new Map<string, FakeUser>();
  readonly hosts = new Map<string, FakeHost>();
  readonly channels = new Map<string, { id: number; name: string; enabled: boolean }>();
  private readonly sessions = new Map<number, { key: string; user: FakeUser; callnum: number | null; expired: boolean; closed: boolean }>();
  private nextId = 1;

  private constructor(
    private readonly server: Server,
    private readonly pki: Pki,
    private readonly dir: string,
    private readonly opts: FakeKojiHubOptions,
  ) {
    CHANNELS.forEach((name) => this.channels.set(name, { id: this.nextId++, name, enabled: true }));
    this.addUser("kojiadmin", ["admin"]); // the bootstrap admin (koji.md §3.2)
  }

  static async start(opts: FakeKojiHubOptions = {}): Promise<FakeKojiHub> {
    const pki = await (opts.privateCa ? makePki() : (sharedPki ??= makePki()));
    const dir = await makeTmpDir("kf-fake-koji-");
    await writeFile(join(dir, "ca.crt"), pki.ca.certificatePem);
    // requestCert without rejectUnauthorized: like SSLVerifyClient optional_no_ca + a per-path check.
    const server = createServer({ key: pki.key, cert: pki.cert, ca: pki.ca.certificatePem, requestCert: true, rejectUnauthorized: false, minVersion: "TLSv1.2" });
    const hub = new FakeKojiHub(server, pki, dir, opts);
    server.on("request", (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const { status, body, headers } = hub.handle(req.method ?? "", req.url ?? "/", req.headers, req.socket as TLSSocket, Buffer.concat(chunks).toString("utf8"));
        res.writeHead(status, { "Content-Type": status === 200 ? "text/xml" : "text/plain", ...headers }).end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return hub;
  }

  get url(): string {
    return `https://localhost:${(this.server.address() as AddressInfo).port}/kojihub`;
  }
  get caFile(): string {
    return join(this.dir, "ca.crt");
  }

  /** A client certificate for `cn`, as Koji wants it: one PEM file with certificate and key. */
  async clientPem(cn: string): Promise<string> {
    const pem = this.pki.clients.get(cn) ?? issue(this.pki.ca, cn, "client");
    this.pki.clients.set(cn, pem);
    const file = join(this.dir, `${cn}.pem`);
    await writeFile(file, await pem, { mode: 0o600 });
    return file;
  }

  addUser(name: string, perms: string[] = [], usertype = NORMAL): FakeUser {
    const user = { id: this.nextId++, name, usertype, perms: new Set(perms) };
    this.users.set(name, user);
    return user;
  }
  /** Every open session expires, as SessionRenewalTimeout would do. */
  expireSessions(): void {
    for (const s of this.sessions.values()) s.expired = true;
  }
  get openSessions(): number {
    return [...this.sessions.values()].filter((s) => !s.closed).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await removeDir(this.dir);
  }

  private handle(method: string, rawUrl: string, headers: NodeJS.Dict<string | string[]>, socket: TLSSocket, body: string): { status: number; body: string; headers?: Record<string, string> } {
    const url = new URL(rawUrl, "https://fake");
    if (url.pathname !== "/kojihub" && url.pathname !== "/kojihub/ssllogin") return { status: 404, body: "Not Found\n" };
    if (method !== "POST") return { status: 405, body: "Method Not Allowed\nThis is an XML-RPC server. Only POST requests are accepted.\n", headers: { Allow: "POST" } };
    const login = url.pathname === "/kojihub/ssllogin";
    const tls = socket.getProtocol();
    if (login && (tls !== "TLSv1.2" || !socket.authorized)) return { status: 403, body: "Forbidden\n" }; // AH10158 / no verified certificate
    let call: { method: string; params: XmlRpcValue[] };
    try {
      call = decodeCall(body);
    } catch (err) {
      return { status: 400, body: `Invalid request: ${(err as Error).message}\n` };
    }
    const via = headers["koji-session-id"] ? "header" : url.searchParams.has("session-id") ? "query" : null;
    const sid = via === "header" ? headers["koji-session-id"] : url.searchParams.get("session-id");
    const key = via === "header" ? headers["koji-session-key"] : url.searchParams.get("session-key");
    const callnum = via === "header" ? headers["koji-session-callnum"] : url.searchParams.get("callnum");
    const session = via ? this.sessions.get(Number(sid)) : undefined;
    this.calls.push({ method: call.method, params: call.params, path: url.pathname, tls, user: session && session.key === key ? session.user.name : null, sessionVia: via });
    try {
      if (via && (!session || session.key !== key || session.closed)) fail("Invalid session or bad credentials", 1002);
      if (session?.expired && call.method !== "sslLogin") fail(`session "${String(sid)}" has expired`, 1007);
      if (session && callnum != null) {
        const n = Number(callnum);
        if (session.callnum !== null && session.callnum > n) fail(`${session.callnum} > ${n} (session ${String(sid)})`, 1008);
        if (session.callnum === n) fail(`unable to retry call ${n} (method ${call.method}) for session ${String(sid)}`, 1009);
        session.callnum = n;
      }
      const args = [...call.params];
      const last = args[args.length - 1];
      const kw = last && typeof last === "object" && (last as XmlRpcStruct).__starstar === true ? (args.pop() as XmlRpcStruct) : {};
      const id = session ? Number(sid) : null;
      return { status: 200, body: encodeResponse(this.dispatch(call.method, args, kw, session?.user ?? null, id, login ? socket : null)) };
    } catch (err) {
      if (err instanceof Fault) return { status: 200, body: encodeFault(err.code, err.message) };
      throw err;
    }
  }

  private dispatch(method: string, a: XmlRpcValue[], kw: XmlRpcStruct, me: FakeUser | null, sid: number | null, loginSocket: TLSSocket | null): XmlRpcValue {
    const assertPerm = (perm: string) => {
      if (!me) fail(`${perm} permission required (user not logged in)`, 1004);
      if (!me.perms.has(perm) && !me.perms.has("admin")) fail(`${perm} permission required (logged in as ${me.name})`, 1004);
    };
    const user = (info: XmlRpcValue | undefined) => [...this.users.values()].find((u) => u.name === info || u.id === info);
    const host = (info: XmlRpcValue | undefined) => [...this.hosts.values()].find((h) => h.name === info || h.id === info);
    const strictHost = (info: XmlRpcValue | undefined, msg = `host does not exist: ${String(info)}`) => host(info) ?? fail(msg);
    switch (method) {
      case "sslLogin": {
        if (me) fail("Already logged in", 1002);
        const cn = loginSocket?.getPeerCertificate().subject?.CN;
        if (!loginSocket || typeof cn !== "string") fail("could not verify client: NONE", 1002);
        const u = user(cn) ?? (this.opts.loginCreatesUser === false ? null : this.addUser(cn));
        if (!u) fail(`Unknown user: ${cn}`, 1002);
        const id = this.nextId++;
        const key = `${this.nextId}-${randomBytes(12).toString("hex")}`;
        this.sessions.set(id, { key, user: u, callnum: null, expired: false, closed: false });
        return { "session-id": id, "session-key": key, "header-auth": this.opts.headerAuth !== false };
      }
      case "logout": {
        if (!me || sid === null) fail("Not logged in", 1002);
        const s = this.sessions.get(sid);
        if (s) s.closed = true;
        return null;
      }
      case "getUser": {
        const u = user(a[0] ?? me?.name);
        return u ? { id: u.id, name: u.name, status: 0, usertype: u.usertype, krb_principals: [] } : null;
      }
      case "getUserPerms":
        return [...(user(a[0] ?? me?.name) ?? fail(a[0] === undefined ? "No user provided" : `No such user: '${String(a[0])}'`)).perms].sort();
      case "createUser": {
        assertPerm("admin");
        if (user(a[0])) fail(`user already exists: ${String(a[0])}`);
        return this.addUser(String(a[0])).id;
      }
      case "grantPermission": {
        assertPerm("admin");
        const u = user(a[0]) ?? fail(`No such user: '${String(a[0])}'`);
        const perm = String(a[1]);
        if (!PERMISSIONS.includes(perm) && kw.create !== true) fail(`No such entry in table permissions: ${perm}`);
        if (u.perms.has(perm)) fail(`user ${String(a[0])} already has permission: ${perm}`);
        u.perms.add(perm);
        return null;
      }
      case "getHost": {
        const h = host(a[0]);
        return h ? { id: h.id, user_id: h.userId, name: h.name, update_ts: null, ready: false, task_load: 0.0, arches: h.arches, capacity: h.capacity, description: h.description, comment: h.comment, enabled: h.enabled } : null;
      }
      case "addHost": {
        assertPerm("host");
        const name = String(a[0]);
        if (host(name)) fail(`host already exists: ${name}`);
        const existing = user(name);
        if (existing && existing.usertype !== HOST) {
          if (kw.force === true && existing.usertype === NORMAL) existing.usertype = HOST;
          else fail(`user ${name} already exists and it is not a host`);
        }
        const u = existing ?? this.addUser(name, [], HOST);
        const h: FakeHost = { id: this.nextId++, userId: u.id, name, arches: (a[1] as string[]).join(" "), capacity: 2.0, enabled: true, description: null, comment: null, channels: new Set(["default"]) };
        this.hosts.set(name, h);
        return h.id;
      }
      case "editHost": {
        assertPerm("host");
        const h = strictHost(a[0], `Invalid hostInfo: ${String(a[0])}`) as unknown as Record<string, XmlRpcValue>;
        const changes = (["arches", "capacity", "description", "comment"] as const).filter((f) => f in kw && kw[f] !== h[f]);
        for (const f of changes) h[f] = kw[f] as XmlRpcValue;
        return changes.length > 0;
      }
      case "enableHost":
      case "disableHost":
        assertPerm("host");
        strictHost(a[0]).enabled = method === "enableHost";
        return null;
      case "listChannels": {
        const hostID = kw.hostID ?? a[0];
        const names = hostID == null ? [...this.channels.keys()] : [...(host(hostID) ?? fail(`Invalid hostInfo: ${String(hostID)}`)).channels];
        return names.map((n) => ({ ...this.channels.get(n)!, description: null, comment: null }));
      }
      case "addHostToChannel": {
        assertPerm("host");
        const h = strictHost(a[0]);
        const name = String(a[1]);
        if (!this.channels.has(name) && kw.create === true) this.channels.set(name, { id: this.nextId++, name, enabled: true });
        const ch = this.channels.get(name) ?? fail(`channel does not exist: ${name}`);
        if (!ch.enabled && kw.force !== true) fail(`channel ${name} is disabled`);
        if (h.channels.has(name)) fail(`host ${h.name} is already subscribed to the ${name} channel`);
        h.channels.add(name);
        return null;
      }
      case "removeHostFromChannel": {
        assertPerm("host");
        const h = strictHost(a[0]);
        const name = String(a[1]);
        if (!this.channels.has(name)) fail(`channel does not exist: ${name}`);
        if (!h.channels.delete(name)) fail(`host ${h.name} is not subscribed to the ${name} channel`);
        return null;
      }
      default:
        return fail(`Invalid method: ${method}`);
    }
  }
}

// Keys and signatures are the slow part (forge signs in JS): one CA, server certificate and
// client certificate per CN serve every hub of a test file unless it asks for a CA of its own.
interface Pki {
  ca: CertificateAuthority;
  key: string;
  cert: string;
  clients: Map<string, Promise<string>>;
}
let sharedPki: Promise<Pki> | undefined;

async function makePki(): Promise<Pki> {
  const dir = await makeTmpDir("kf-fake-koji-ca-");
  try {
    const ca = await CertificateAuthority.init(dir, { subject: [["O", "fake-koji"], ["CN", "Fake Koji CA"]], keyBits: 2048 });
    const server = await issue(ca, "localhost", "server");
    return { ca, key: server, cert: server, clients: new Map() };
  } finally {
    await removeDir(dir); // the CA lives on in memory
  }
}

/** Certificate + key in one PEM; the CA takes only the CSR's public key (the subject is policy). */
async function issue(ca: CertificateAuthority, cn: string, usage: "client" | "server"): Promise<string> {
  const keyPem = generateRsaKeyPem(2048);
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  csr.setSubject([{ shortName: "CN", value: cn }]);
  csr.sign(key, forge.md.sha256.create());
  const sans = usage === "server" ? { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] } : {};
  return ca.issue(forge.pki.certificationRequestToPem(csr), { subject: [["O", "fake-koji"], ["CN", cn]], usage, days: 1, ...sans }).pem + keyPem;
}
