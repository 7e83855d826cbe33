// The one fake Koji hub, over real HTTPS on 127.0.0.1, for the tests of the Koji client
// (shared/koji/), the controller's Koji objects and the agent's http and xmlrpc probes. It
// speaks XML-RPC through the shared codec; the calls are fake-koji-api.ts's, the PKI
// fake-koji-pki.ts's. Here is the httpd and kojixmlrpc around them, as at Koji 1.35:
// - /kojihub takes POST only (GET → 405, kojixmlrpc's own text); other paths are `pages`, else 404;
// - the client certificate is asked for in the handshake and judged by the hub (sslLogin's
//   "could not verify client"), or, with perLocationClientAuth, by httpd inside
//   <Location /kojihub/ssllogin>: 403 unless verified, and over TLS 1.3 always, since a client
//   without post-handshake auth cannot be asked there;
// - sessions (kojihub/auth.py): Koji-Session-* headers, or the URL query; a hub without
//   header-auth (older than 1.30) reads only the query. Closed or unknown → AuthError, expired
//   → AuthExpired (but sslLogin renew=True gives it a new key), callnum must increase
//   (SequenceError; the same again is RetryError). kojihub 1.35 looks for the callnum in a
//   header named Koji-Callnum while clients send Koji-Session-Callnum, so it checks only the
//   query's: this hub checks what koji's client sends.
// - multiCall (kojixmlrpc.py): each call dispatched in turn, its answer [value] or a fault struct;
// - with `content`, the content calls (fake-koji-content-api.ts) are a ContentHub's, createUser
//   and grantPermission included: such a hub is for the content's tests, not the Koji objects'.
// It records every HTTP request and every call (a multiCall's calls after it), in order.
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import type { IncomingHttpHeaders } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { decodeCall, encodeFault, encodeResponse, type XmlRpcStruct, type XmlRpcValue } from "../../shared/koji/xmlrpc-codec.js";
import { Fault, FakeKojiFarm, fail, type FakeUser } from "./fake-koji-api.js";
import { answerContent, isContentMethod } from "./fake-koji-content-api.js";
import type { ContentHub } from "./koji-content-hub.js";
import { FakeKojiPki } from "./fake-koji-pki.js";
import { makeTmpDir, removeDir } from "./tmp.js";

export { READ_METHODS, type FakeHost, type FakeUser } from "./fake-koji-api.js";

export interface FakeKojiHubOptions {
  /** Whether sslLogin answers `header-auth: true` (hubs since 1.30). false: an old hub, sessions in the query only. */
  readonly headerAuth?: boolean;
  /** hub.conf LoginCreatesUser (koji-fleet's default: on): an unknown CN becomes a NORMAL user. */
  readonly loginCreatesUser?: boolean;
  /** A CA of its own instead of the one shared by this test file's hubs (foreign certificates). */
  readonly privateCa?: boolean;
  /** httpd with `SSLVerifyClient require` inside <Location /kojihub/ssllogin> (see above). */
  readonly perLocationClientAuth?: boolean;
  /** Every call faults with ServerOffline, as when the hub cannot reach its database. */
  readonly offline?: boolean;
  /** Other paths of the vhost (kojiweb, lookaside): 200 with this body; null never answers. */
  readonly pages?: Readonly<Record<string, string | null>>;
  /** The hub's content (tags, targets, users and their permissions…), served by the content calls. */
  readonly content?: ContentHub;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  /** Negotiated TLS version, e.g. "TLSv1.2". */
  readonly tls: string | null;
  readonly body: string;
}
export interface RecordedCall {
  readonly method: string;
  readonly params: XmlRpcValue[];
  readonly path: string;
  readonly tls: string | null;
  /** The session's user, or null for an anonymous call (or one on an expired session). */
  readonly user: string | null;
  readonly sessionVia: "header" | "query" | null;
  /** A call inside a multiCall (recorded after the multiCall itself). */
  readonly inMultiCall?: true;
  /** When the request came in (ms since the epoch). */
  readonly at: number;
}
interface Session { id: number; key: string; user: FakeUser; callnum: number | null; expired: boolean; closed: boolean }
interface Answer { status: number; body: string; headers?: Record<string, string> }

const AUTH_ERROR = 1002;

export class FakeKojiHub extends FakeKojiFarm {
  readonly requests: RecordedRequest[] = [];
  readonly calls: RecordedCall[] = [];
  /** Every session key handed out, for "never in an output" assertions. */
  readonly keys: string[] = [];
  /** Ids of the sessions ended by logout. */
  readonly loggedOut: number[] = [];
  private readonly sessions = new Map<number, Session>();

  private constructor(
    private readonly server: Server,
    private readonly pki: FakeKojiPki,
    private readonly dir: string,
    private readonly opts: FakeKojiHubOptions,
  ) {
    super();
  }

  static async start(opts: FakeKojiHubOptions = {}): Promise<FakeKojiHub> {
    const pki = await (opts.privateCa ? FakeKojiPki.create() : FakeKojiPki.shared());
    const dir = await makeTmpDir("kf-fake-koji-");
    await writeFile(join(dir, "ca.crt"), pki.ca.certificatePem);
    // requestCert without rejectUnauthorized: like SSLVerifyClient optional_no_ca, the verdict is passed on.
    const server = createServer({ key: pki.server.key, cert: pki.server.cert, ca: pki.ca.certificatePem, requestCert: true, rejectUnauthorized: false, minVersion: "TLSv1.2" });
    const hub = new FakeKojiHub(server, pki, dir, opts);
    server.on("request", (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const socket = req.socket as TLSSocket;
        const url = new URL(req.url ?? "/", "https://fake");
        const rec: RecordedRequest = { method: req.method ?? "", path: url.pathname, query: url.search.slice(1), headers: req.headers, tls: socket.getProtocol(), body: Buffer.concat(chunks).toString("utf8") };
        hub.requests.push(rec);
        const out = hub.handle(rec, url.searchParams, socket);
        if (!out) return; // never answers: the client's timeout must end it
        res.writeHead(out.status, { "Content-Type": out.body.startsWith("<?xml") ? "text/xml" : "text/html", ...out.headers });
        res.end(rec.method === "HEAD" ? undefined : out.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return hub;
  }

  /** https://localhost:<port>: the server certificate names localhost and 127.0.0.1. */
  get origin(): string {
    return `https://localhost:${(this.server.address() as AddressInfo).port}`;
  }
  /** The XML-RPC endpoint. */
  get url(): string {
    return `${this.origin}/kojihub`;
  }
  get caFile(): string {
    return join(this.dir, "ca.crt");
  }
  /** The PKI this hub trusts: its CA issues the client certificates it accepts. */
  get trust(): FakeKojiPki {
    return this.pki;
  }

  /** A client certificate for `cn`, as Koji wants it: one PEM file with certificate and key. */
  async clientPem(cn: string): Promise<string> {
    const { cert, key } = await this.pki.client(cn);
    const file = join(this.dir, `${cn}.pem`);
    await writeFile(file, cert + key, { mode: 0o600 });
    return file;
  }

  /** Every open session expires, as SessionRenewalTimeout would do. */
  expireSessions(): void {
    for (const s of this.sessions.values()) s.expired = true;
  }
  /** Every session is deleted, as koji-sweep-db does with old ones. */
  sweepSessions(): void {
    this.sessions.clear();
  }
  get openSessions(): number {
    return [...this.sessions.values()].filter((s) => !s.closed).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await removeDir(this.dir);
  }

  private handle(req: RecordedRequest, query: URLSearchParams, socket: TLSSocket): Answer | null {
    const page = this.opts.pages?.[req.path];
    if (page !== undefined) return page === null ? null : { status: 200, body: page };
    if (req.path !== "/kojihub" && req.path !== "/kojihub/ssllogin") return { status: 404, body: "Not Found" };
    if (req.method !== "POST") return { status: 405, body: "Method Not Allowed\nThis is an XML-RPC server. Only POST requests are accepted.\n", headers: { Allow: "POST" } };
    const login = req.path === "/kojihub/ssllogin";
    if (login && this.opts.perLocationClientAuth && (req.tls !== "TLSv1.2" || !socket.authorized)) {
      return { status: 403, body: "Forbidden: You don't have permission to access this resource." }; // AH10158, or no verified certificate
    }
    let call: { method: string; params: XmlRpcValue[] };
    try {
      call = decodeCall(req.body);
    } catch (err) {
      return { status: 400, body: `Invalid request: ${(err as Error).message}\n` };
    }
    const header = (name: string) => (typeof req.headers[name] === "string" ? (req.headers[name] as string) : null);
    const via = this.opts.headerAuth !== false && header("koji-session-id") !== null ? "header" : query.has("session-id") ? "query" : null;
    const [sid, key, callnum] = via === "header" ? [header("koji-session-id"), header("koji-session-key"), header("koji-session-callnum")] : [query.get("session-id"), query.get("session-key"), query.get("callnum")];
    const session = via ? this.sessions.get(Number(sid)) : undefined;
    const valid = session && session.key === key && !session.closed ? session : undefined;
    this.calls.push({ method: call.method, params: call.params, path: req.path, tls: req.tls, user: valid && !valid.expired ? valid.user.name : null, sessionVia: via, at: Date.now() });
    try {
      if (this.opts.offline) fail("database outage", 1014);
      if (via && !valid) fail("Invalid session or bad credentials", AUTH_ERROR);
      if (valid?.expired && call.method !== "sslLogin") fail(`session "${String(sid)}" has expired`, 1007);
      if (valid && callnum !== null) {
        const n = Number(callnum);
        if (valid.callnum !== null && valid.callnum > n) fail(`${valid.callnum} > ${n} (session ${String(sid)})`, 1008);
        if (valid.callnum === n) fail(`unable to retry call ${n} (method ${call.method}) for session ${String(sid)}`, 1009);
        valid.callnum = n;
      }
      const [args, kw] = splitKwargs(call.params);
      const me = valid && !valid.expired ? valid.user : null;
      let value: XmlRpcValue;
      if (call.method === "sslLogin") value = this.sslLogin(kw, me, valid, login ? socket : null);
      else if (call.method === "logout") value = this.logout(valid);
      else if (call.method === "multiCall") value = this.multiCall(args[0], this.calls[this.calls.length - 1]!, me);
      else value = this.dispatch(call.method, args, kw, me);
      return { status: 200, body: encodeResponse(value) };
    } catch (err) {
      if (err instanceof Fault) return { status: 200, body: encodeFault(err.code, err.message) };
      throw err;
    }
  }

  /** A call of the API: the content's when it is a content call and the hub has content, else the farm's. */
  private dispatch(method: string, args: XmlRpcValue[], kw: XmlRpcStruct, me: FakeUser | null): XmlRpcValue {
    const content = this.opts.content && isContentMethod(method) ? answerContent(this.opts.content, method, args, kw, me?.perms.has("admin") ?? false) : undefined;
    return content !== undefined ? content : this.answer(method, args, kw, me);
  }

  /** kojixmlrpc multiCall: every call in turn; a fault is that call's answer, not the request's. */
  private multiCall(calls: XmlRpcValue | undefined, outer: RecordedCall, me: FakeUser | null): XmlRpcValue[] {
    if (!Array.isArray(calls)) fail("multiCall takes a list of calls", 1019);
    return (calls as XmlRpcStruct[]).map((c) => {
      const method = String(c.methodName);
      this.calls.push({ ...outer, method, params: (c.params ?? []) as XmlRpcValue[], inMultiCall: true });
      try {
        const [args, kw] = splitKwargs((c.params ?? []) as XmlRpcValue[]);
        return [this.dispatch(method, args, kw, me)];
      } catch (err) {
        if (err instanceof Fault) return { faultCode: err.code, faultString: err.message };
        throw err;
      }
    });
  }

  private sslLogin(kw: XmlRpcStruct, me: FakeUser | null, current: Session | undefined, socket: TLSSocket | null): XmlRpcStruct {
    if (me) fail("Already logged in", AUTH_ERROR);
    if (!socket) fail("could not verify client: NONE", AUTH_ERROR);
    const cn = socket.getPeerCertificate()?.subject?.CN;
    if (!socket.authorized || typeof cn !== "string") fail(`could not verify client: ${socket.authorizationError ?? "NONE"}`, AUTH_ERROR);
    const u = this.users.get(cn) ?? (this.opts.loginCreatesUser === false ? null : this.addUser(cn));
    if (!u) fail(`Unknown user: ${cn}`, AUTH_ERROR);
    const key = `${u.id}-${randomBytes(12).toString("hex")}`;
    this.keys.push(key);
    let s: Session;
    if (kw.renew === true && current) {
      // createSession(renew=True): the same session, a new key, no longer expired.
      s = Object.assign(current, { key, expired: false, callnum: null });
    } else {
      s = { id: this.newId(), key, user: u, callnum: null, expired: false, closed: false };
      this.sessions.set(s.id, s);
    }
    return { "session-id": s.id, "session-key": key, ...(this.opts.headerAuth !== false && { "header-auth": true }) };
  }

  private logout(current: Session | undefined): null {
    if (!current || current.expired) fail("Not logged in", AUTH_ERROR);
    current.closed = true;
    this.loggedOut.push(current.id);
    return null;
  }
}

/** koji.decode_args: a trailing struct marked __starstar is the keyword arguments. */
function splitKwargs(params: readonly XmlRpcValue[]): [XmlRpcValue[], XmlRpcStruct] {
  const args = [...params];
  const last = args[args.length - 1];
  const kw = last && typeof last === "object" && (last as XmlRpcStruct).__starstar === true ? (args.pop() as XmlRpcStruct) : {};
  return [args, kw];
}
