// XML-RPC calls to a Koji hub, as koji.ClientSession makes them (koji/__init__.py):
// - sslLogin: POST `<hub>/ssllogin` with the client certificate; it answers
//   {session-id, session-key, header-auth}. Python keyword arguments travel as a last struct
//   flagged `__starstar` (encode_args), so the call carries {proxyuser: nil, __starstar: true}.
// - later calls carry the session in Koji-Session-Id/-Key/-Callnum headers, callnum counting
//   from 0; a hub older than 1.30 (no `header-auth`) reads `session-id`, `session-key` and
//   `callnum` from the query string instead.
// - logout ends the session: a probe every 30 s must not leave sessions behind.
// The session key is a bearer secret: it is cut out of every message that leaves here.
import { encodeCall, decodeResponse, KojiFault, XmlRpcDecodeError, type XmlRpcResult, type XmlRpcValue } from "../../shared/koji/xmlrpc-codec.js";
import { httpRequest, showUrl, type LoadedTls } from "./http-client.js";
import { excerpt, redact } from "./common.js";

export interface HubTarget {
  url: URL;
  tls: LoadedTls;
  timeoutMs: number;
  signal: AbortSignal;
}

interface Session {
  id: number;
  key: string;
  headerAuth: boolean;
  callnum: number;
}

/** Anything but a result, saying which call at which URL: unreachable, HTTP error, not XML-RPC, a fault (its cause). */
export class HubError extends Error {
  override name = "HubError";
}

function sessionUrl(base: URL, s: Session, callnum: number): URL {
  const url = new URL(base);
  url.searchParams.set("session-id", String(s.id));
  url.searchParams.set("session-key", s.key);
  url.searchParams.set("callnum", String(callnum));
  return url;
}

async function post(t: HubTarget, url: URL, method: string, args: readonly unknown[], s?: Session): Promise<XmlRpcResult> {
  const headers: Record<string, string> = { "Content-Type": "text/xml" };
  let target = url;
  if (s) {
    const callnum = s.callnum++;
    Object.assign(headers, { "Koji-Session-Id": String(s.id), "Koji-Session-Key": s.key, "Koji-Session-Callnum": String(callnum) });
    if (!s.headerAuth) target = sessionUrl(url, s, callnum);
  }
  const where = `${method} at ${showUrl(url)}`;
  let reply;
  try {
    reply = await httpRequest({ url: target, method: "POST", headers, body: encodeCall(method, args as readonly XmlRpcValue[]), tls: t.tls, timeoutMs: t.timeoutMs, signal: t.signal });
  } catch (err) {
    throw new HubError(`${where}: ${(err as Error).message}`);
  }
  if (reply.status !== 200) {
    // httpd's answer to a client that cannot do TLS 1.3 post-handshake auth (Koji pitfall 9).
    const hint = reply.status === 403 && reply.tlsVersion === "TLSv1.3" ? " (over TLS 1.3: a hub asking for the cert per location needs tlsMaxVersion TLSv1.2)" : "";
    throw new HubError(`${where}: HTTP ${reply.status} ${reply.statusText}${hint}: ${excerpt(reply.body)}`);
  }
  try {
    return decodeResponse(reply.body);
  } catch (err) {
    if (err instanceof KojiFault) throw new HubError(`${where}: fault ${err.faultCode}: ${err.faultString}`, { cause: err });
    const reason = err instanceof XmlRpcDecodeError ? err.reason : (err as Error).message;
    throw new HubError(`${where}: not an XML-RPC answer (${reason}): ${excerpt(reply.body)}`);
  }
}

const field = (v: XmlRpcResult, k: string): XmlRpcResult | undefined =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? v[k] : undefined;

/**
 * Calls `method` on the hub, logged in with the client certificate first when `login` says so.
 * `login.tls` is the TLS used for sslLogin alone (TLS 1.2 unless told otherwise, Koji pitfall 9).
 */
export async function callHub(t: HubTarget, method: string, args: readonly unknown[], login?: { tls: LoadedTls }): Promise<XmlRpcResult> {
  if (!login) return post(t, t.url, method, args);
  const base = new URL(t.url);
  base.search = "";
  const loginUrl = new URL(`${base.href.replace(/\/+$/, "")}/ssllogin`);
  const info = await post({ ...t, tls: login.tls }, loginUrl, "sslLogin", [{ proxyuser: null, __starstar: true }]);
  const id = field(info, "session-id");
  const key = field(info, "session-key");
  if (typeof id !== "number" || typeof key !== "string") throw new HubError(`sslLogin at ${showUrl(loginUrl)}: no session in the answer`);
  const session: Session = { id, key, headerAuth: field(info, "header-auth") === true, callnum: 0 };
  try {
    return await post(t, t.url, method, args, session);
  } catch (err) {
    const e = err as Error;
    e.message = redact(e.message, [key]);
    throw e;
  } finally {
    await post(t, t.url, "logout", [], session).catch(() => undefined);
  }
}
