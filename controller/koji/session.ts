// A Koji hub session, as koji's own ClientSession does it (koji/__init__.py): anonymous calls
// until sslLogin(); sslLogin is POSTed to <hub>/ssllogin with the client certificate over
// TLS 1.2 (pitfall 9); later calls carry session-id, session-key and an increasing callnum.
// Hubs since 1.30 answer `header-auth: true` and read them from Koji-Session-* headers (and may
// disable URL sessions); older hubs only read the URL query, so that is the fallback.
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { FleetError } from "../../shared/errors.js";
import { KOJI_FAULT, KojiFault, xmlrpcCall, type XmlRpcEndpoint, type XmlRpcStruct, type XmlRpcValue } from "./xmlrpc.js";

export interface KojiSessionOptions {
  /** The XML-RPC endpoint, e.g. https://hub.example/kojihub (Farm.hubUrl). */
  readonly hubUrl: string;
  /** The farm CA (PEM file): the only trust anchor for the hub's certificate. */
  readonly caFile: string;
  /** The admin client certificate (PEM); may also hold the key, like Koji's client.crt. */
  readonly certFile?: string;
  /** The client key (PEM); default: read from certFile. */
  readonly keyFile?: string;
  /** Per call; default 60 s (koji's DEFAULT_AUTH_TIMEOUT is 60 s too). */
  readonly timeoutMs?: number;
  /** Checked right after login; default "admin" (createUser and grantPermission need it). null: none. */
  readonly requirePermission?: string | null;
  /** A byte stream to the hub instead of TCP to hubUrl's host (XmlRpcEndpoint.connect). */
  readonly connect?: XmlRpcEndpoint["connect"];
}

/** What convergence needs from a session; KojiSession is the real one. */
export interface KojiCaller {
  readonly loggedIn: boolean;
  call(method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue>;
  sslLogin(): Promise<void>;
  logout(): Promise<void>;
}

interface Credentials {
  ca: string;
  cert?: string;
  key?: string;
  /** CN of the client certificate: the Koji user it logs in as (DNUsernameComponent). */
  user: string;
}
interface SessionInfo {
  id: number;
  key: string;
  headerAuth: boolean;
}

/** AuthError / AuthExpired mean "log in again"; RetryError does not (the call may have run). */
const RELOGIN_FAULTS: ReadonlySet<number> = new Set([KOJI_FAULT.AuthError, KOJI_FAULT.AuthExpired]);

export class KojiSession implements KojiCaller {
  private sinfo: SessionInfo | null = null;
  private callnum = 0;
  private credentials: Promise<Credentials> | undefined;

  constructor(private readonly opts: KojiSessionOptions) {}

  get loggedIn(): boolean {
    return this.sinfo !== null;
  }

  /** Anonymous before sslLogin(), authenticated after; an expired session is renewed once. */
  async call(method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue> {
    if (!this.sinfo) return this.post(method, params);
    try {
      return await this.authenticated(method, params);
    } catch (err) {
      if (!(err instanceof KojiFault) || !RELOGIN_FAULTS.has(err.faultCode)) throw err;
      // The hub expired or swept the session (SessionRenewalTimeout, koji-sweep-db).
      await this.sslLogin();
      return this.authenticated(method, params);
    }
  }

  async sslLogin(): Promise<void> {
    this.sinfo = null;
    const creds = await this.loadCredentials();
    if (!creds.cert) throw new FleetError("KF_ERR_USAGE", "Koji sslLogin needs a client certificate (certFile)");
    let answer: XmlRpcValue;
    try {
      answer = await this.post("sslLogin", [], { path: "/ssllogin", tls12Only: true });
    } catch (err) {
      const code = err instanceof KojiFault ? "KF_ERR_UNAUTHORIZED" : err instanceof FleetError ? err.code : "KF_ERR_INTERNAL";
      throw new FleetError(code, `Koji login as ${creds.user} at ${this.opts.hubUrl} failed: ${(err as Error).message}`, { cause: err });
    }
    this.sinfo = sessionInfo(answer);
    this.callnum = 0;
    const need = this.opts.requirePermission === undefined ? "admin" : this.opts.requirePermission;
    if (need === null) return;
    // getUserPerms() without a user names the logged-in one (group permissions included).
    const perms = await this.authenticated("getUserPerms", []);
    if (!Array.isArray(perms) || !perms.includes(need)) {
      await this.logout();
      throw new FleetError(
        "KF_ERR_FORBIDDEN",
        `Koji login as ${creds.user} succeeded but that user lacks the '${need}' permission (has: ${Array.isArray(perms) ? perms.join(", ") || "none" : "?"}); ` +
          `use the admin certificate (koji.adminUser) or run: koji grant-permission ${need} ${creds.user}`,
      );
    }
  }

  /** Ends the hub session; errors are ignored because the hub sweeps stale sessions anyway. */
  async logout(): Promise<void> {
    if (!this.sinfo) return;
    await this.authenticated("logout", []).catch(() => undefined);
    this.sinfo = null;
  }

  private authenticated(method: string, params: readonly XmlRpcValue[]): Promise<XmlRpcValue> {
    const s = this.sinfo;
    if (!s) throw new Error("not logged in");
    const callnum = String(this.callnum++);
    if (s.headerAuth) {
      return this.post(method, params, { headers: { "Koji-Session-Id": String(s.id), "Koji-Session-Key": s.key, "Koji-Session-Callnum": callnum } });
    }
    return this.post(method, params, { query: new URLSearchParams({ "session-id": String(s.id), "session-key": s.key, callnum }).toString() });
  }

  private async post(method: string, params: readonly XmlRpcValue[], how: { path?: string; query?: string; tls12Only?: boolean; headers?: Record<string, string> } = {}): Promise<XmlRpcValue> {
    const c = await this.loadCredentials();
    const base = this.opts.hubUrl.replace(/\/+$/, "");
    const url = `${base}${how.path ?? ""}${how.query ? `?${how.query}` : ""}`;
    return xmlrpcCall({ url, ca: c.ca, cert: c.cert, key: c.key, timeoutMs: this.opts.timeoutMs ?? 60_000, tls12Only: how.tls12Only, headers: how.headers, connect: this.opts.connect }, method, params);
  }

  private loadCredentials(): Promise<Credentials> {
    this.credentials ??= (async () => {
      const read = (what: string, file: string) =>
        readFile(file, "utf8").catch((err: Error) => {
          throw new FleetError("KF_ERR_NOT_FOUND", `Koji ${what} ${file} is not readable: ${err.message}`, { cause: err });
        });
      const ca = await read("CA file", this.opts.caFile);
      if (!this.opts.certFile) return { ca, user: "(no certificate)" };
      const cert = await read("client certificate", this.opts.certFile);
      const key = this.opts.keyFile ? await read("client key", this.opts.keyFile) : cert;
      return { ca, cert, key, user: commonName(cert) };
    })();
    // A failed read is not cached: the file may appear before the next converge.
    this.credentials.catch(() => (this.credentials = undefined));
    return this.credentials;
  }
}

function commonName(pem: string): string {
  const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (!block) throw new FleetError("KF_ERR_USAGE", "the Koji client certificate file holds no PEM certificate");
  const cn = /^CN=(.*)$/m.exec(new X509Certificate(block).subject)?.[1];
  return cn ?? new X509Certificate(block).subject.replace(/\n/g, ",");
}

function sessionInfo(answer: XmlRpcValue): SessionInfo {
  const s = (answer ?? {}) as XmlRpcStruct;
  const id = s["session-id"];
  const key = s["session-key"];
  if (typeof id !== "number" || typeof key !== "string") {
    throw new FleetError("KF_ERR_UNAUTHORIZED", "Koji sslLogin returned no session (is the client certificate verified by httpd?)");
  }
  return { id, key, headerAuth: s["header-auth"] === true };
}
