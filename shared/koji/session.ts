// A Koji hub session, as koji's own ClientSession makes it (koji/__init__.py at 1.35):
// - anonymous calls until sslLogin(), which POSTs sslLogin(proxyuser=None) to <hub>/ssllogin
//   with the client certificate, over TLS 1.2 unless told otherwise: httpd asking for the
//   certificate per <Location> does so after the handshake, and Node cannot do TLS 1.3
//   post-handshake auth (docs/probes.md, "TLS 1.3 and client certificates");
// - later calls carry Koji-Session-Id/-Key/-Callnum headers, callnum counting from 0; a hub
//   that did not answer `header-auth: true` (older than 1.30) reads session-id, session-key
//   and callnum from the URL query instead, so they go there too;
// - AuthExpired (the hub's SessionRenewalTimeout) renews the session in place, once: sslLogin
//   with renew=True, sent with the expired session (kojihub/auth.py createSession keeps its id);
//   AuthError (a session closed or swept by koji-sweep-db) logs in anew, once;
// - logout() ends it; a fault there is ignored, the hub sweeps stale sessions anyway.
// The session key is a bearer secret: it is cut out of every error that leaves here.
import { FleetError } from "../errors.js";
import type { TlsMaterial } from "../http-request.js";
import { redact } from "../quote.js";
import { getUserPerms, type KojiCalls } from "./calls.js";
import { commonName } from "./credentials.js";
import { KOJI_FAULT, KojiFault, kwargs, type XmlRpcResult, type XmlRpcValue } from "./xmlrpc-codec.js";
import { xmlrpcPost, type XmlRpcEndpoint } from "./xmlrpc-post.js";

export interface KojiSessionOptions {
  /** The XML-RPC endpoint, without a query, e.g. https://hub.example/kojihub (Farm.hubUrl). */
  readonly hubUrl: string;
  /** TLS material, or how to read it: read at the first call, again after a failed read. */
  readonly credentials: TlsMaterial | (() => Promise<TlsMaterial>);
  /** Per call; default 60 s (koji's DEFAULT_AUTH_TIMEOUT is 60 s too). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** A larger answer is an error; default 32 MiB. */
  readonly maxAnswerBytes?: number;
  /** The TLS cap of sslLogin alone; default TLSv1.2 (see above). */
  readonly loginTlsMaxVersion?: "TLSv1.2" | "TLSv1.3";
  /** Checked right after login (createUser and grantPermission need "admin"); default: none. */
  readonly requirePermission?: string;
  /** A byte stream to the hub instead of TCP to hubUrl's host (HttpRequest.connect). */
  readonly connect?: XmlRpcEndpoint["connect"];
}

/** What convergence needs from a session; KojiSession is the real one. */
export interface KojiCaller extends KojiCalls {
  readonly loggedIn: boolean;
  sslLogin(): Promise<void>;
  logout(): Promise<void>;
}

interface SessionInfo {
  readonly id: number;
  readonly key: string;
  readonly headerAuth: boolean;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_ANSWER_BYTES = 32 * 1024 * 1024;

export class KojiSession implements KojiCaller {
  private sinfo: SessionInfo | null = null;
  private callnum = 0;
  private material: Promise<TlsMaterial> | undefined;

  constructor(private readonly opts: KojiSessionOptions) {}

  get loggedIn(): boolean {
    return this.sinfo !== null;
  }

  /** Anonymous before sslLogin(), authenticated after; an expired or lost session is renewed once. */
  async call(method: string, ...params: XmlRpcValue[]): Promise<XmlRpcResult> {
    if (!this.sinfo) return this.post(method, params);
    try {
      return await this.authenticated(method, params);
    } catch (err) {
      if (!(err instanceof KojiFault)) throw err;
      if (err.faultCode === KOJI_FAULT.AuthExpired) await this.login(true);
      else if (err.faultCode === KOJI_FAULT.AuthError) await this.sslLogin();
      else throw err;
      return this.authenticated(method, params);
    }
  }

  async sslLogin(): Promise<void> {
    this.sinfo = null;
    await this.login(false);
    const need = this.opts.requirePermission;
    if (need === undefined) return;
    const perms = await getUserPerms(this);
    if (!perms.includes(need)) {
      await this.logout();
      const user = commonName((await this.credentials()).cert ?? "");
      throw new FleetError(
        "KF_ERR_FORBIDDEN",
        `Koji login as ${user} succeeded but that user lacks the '${need}' permission (has: ${perms.join(", ") || "none"}); ` +
          `use the admin certificate (koji.adminUser) or run: koji grant-permission ${need} ${user}`,
      );
    }
  }

  /** Ends the hub session; errors are ignored because the hub sweeps stale sessions anyway. */
  async logout(): Promise<void> {
    if (!this.sinfo) return;
    await this.authenticated("logout", []).catch(() => undefined);
    this.sinfo = null;
  }

  /** renew: the expired session goes along, and the hub gives it a new key (kojihub/auth.py createSession). */
  private async login(renew: boolean): Promise<void> {
    const tls = await this.credentials();
    if (!tls.cert) throw new FleetError("KF_ERR_USAGE", "Koji sslLogin needs a client certificate");
    const user = commonName(tls.cert);
    const expired = renew ? this.sinfo : null;
    this.sinfo = null;
    let answer: XmlRpcResult;
    try {
      const args = kwargs(renew ? { proxyuser: null, renew: true, exclusive: false } : { proxyuser: null });
      answer = await this.post("sslLogin", [args], { path: "/ssllogin", maxVersion: this.opts.loginTlsMaxVersion ?? "TLSv1.2", session: expired });
    } catch (err) {
      const code = err instanceof KojiFault ? "KF_ERR_UNAUTHORIZED" : err instanceof FleetError ? err.code : "KF_ERR_INTERNAL";
      throw new FleetError(code, `Koji login as ${user} failed: ${redact((err as Error).message, [expired?.key])}`, { cause: err });
    }
    this.sinfo = sessionInfo(answer);
    this.callnum = 0;
  }

  private async authenticated(method: string, params: readonly XmlRpcValue[]): Promise<XmlRpcResult> {
    const s = this.sinfo;
    if (!s) throw new FleetError("KF_ERR_INTERNAL", `${method}: not logged in`);
    try {
      return await this.post(method, params, { session: s });
    } catch (err) {
      if (err instanceof Error) err.message = redact(err.message, [s.key]);
      throw err;
    }
  }

  private async post(method: string, params: readonly XmlRpcValue[], how: { path?: string; maxVersion?: TlsMaterial["maxVersion"]; session?: SessionInfo | null } = {}): Promise<XmlRpcResult> {
    const tls = await this.credentials();
    const url = new URL(`${this.opts.hubUrl.replace(/\/+$/, "")}${how.path ?? ""}`);
    const s = how.session;
    let headers: Record<string, string> | undefined;
    if (s) {
      const callnum = String(this.callnum++);
      headers = { "Koji-Session-Id": String(s.id), "Koji-Session-Key": s.key, "Koji-Session-Callnum": callnum };
      if (!s.headerAuth && !how.path) url.search = new URLSearchParams({ "session-id": String(s.id), "session-key": s.key, callnum }).toString();
    }
    return xmlrpcPost(
      {
        url,
        tls: how.maxVersion ? { ...tls, maxVersion: how.maxVersion } : tls,
        timeoutMs: this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxAnswerBytes: this.opts.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES,
        ...(this.opts.signal && { signal: this.opts.signal }),
        ...(headers && { headers }),
        ...(this.opts.connect && { connect: this.opts.connect }),
      },
      method,
      params,
    );
  }

  private credentials(): Promise<TlsMaterial> {
    const c = this.opts.credentials;
    if (typeof c !== "function") return Promise.resolve(c);
    this.material ??= c();
    // A failed read is not kept: the file may appear before the next call.
    this.material.catch(() => (this.material = undefined));
    return this.material;
  }
}

function sessionInfo(answer: XmlRpcResult): SessionInfo {
  const s = answer !== null && typeof answer === "object" && !Array.isArray(answer) ? answer : {};
  const id = s["session-id"];
  const key = s["session-key"];
  if (typeof id !== "number" || typeof key !== "string") {
    throw new FleetError("KF_ERR_UNAUTHORIZED", "Koji sslLogin returned no session (is the client certificate verified by httpd?)");
  }
  return { id, key, headerAuth: s["header-auth"] === true };
}
