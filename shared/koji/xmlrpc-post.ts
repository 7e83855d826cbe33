// One XML-RPC call POSTed to a Koji hub: the codec (xmlrpc-codec.ts) over one HTTP(S) request
// (../http-request.ts). Every error says `<method> at <endpoint>: <what happened>` and carries
// a catalogue code: a fault stays a KojiFault (the hub answered, and said no); the wire, an
// HTTP status or an answer that is not XML-RPC become a FleetError. The endpoint shown never
// includes the query, where an old hub's session key travels.
import { FleetError, type ErrorCode } from "../errors.js";
import { httpRequest, showUrl, type HttpReply, type HttpRequest, type TlsMaterial } from "../http-request.js";
import { excerpt } from "../quote.js";
import { XmlRpcDecodeError, decodeResponse, encodeCall, type XmlRpcResult, type XmlRpcValue } from "./xmlrpc-codec.js";

export interface XmlRpcEndpoint {
  /** The URL POSTed to, query included (an old hub's session args travel there). */
  readonly url: URL;
  readonly tls: TlsMaterial;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** A larger answer is an error, not a result. */
  readonly maxAnswerBytes: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly connect?: HttpRequest["connect"];
}

/** Koji's kojihub app lives at <hub>/kojihub; a 404 or 405 means the URL is something else. */
const NOT_THE_ENDPOINT = " (is this the XML-RPC endpoint, e.g. https://hub/kojihub?)";

function statusError(reply: HttpReply, url: URL, where: string): FleetError {
  const said = `${where}: HTTP ${reply.status}${reply.statusText ? ` ${reply.statusText}` : ""}`;
  const body = `: ${excerpt(reply.body)}`;
  if (reply.status === 401 || reply.status === 403) {
    let hint = "";
    if (url.pathname.endsWith("/ssllogin")) {
      // httpd asking for the certificate per <Location> does so after the handshake: TLS 1.3 would
      // need post-handshake auth, which Node cannot do (nodejs/node#36926); TLS 1.2 renegotiates.
      hint = reply.tlsVersion === "TLSv1.3"
        ? " (over TLS 1.3: a hub asking for the cert per location needs tlsMaxVersion TLSv1.2)"
        : " (httpd refused the client certificate: is it issued by the hub's CA, and not revoked?)";
    }
    return new FleetError("KF_ERR_FORBIDDEN", `${said}${hint}${body}`);
  }
  const code: ErrorCode = reply.status >= 500 ? "KF_ERR_NOT_READY" : "KF_ERR_RESOURCE";
  return new FleetError(code, `${said}${reply.status === 404 || reply.status === 405 ? NOT_THE_ENDPOINT : ""}${body}`);
}

/** POSTs one call; resolves with the decoded result, rejects with KojiFault or FleetError. */
export async function xmlrpcPost(endpoint: XmlRpcEndpoint, method: string, params: readonly XmlRpcValue[]): Promise<XmlRpcResult> {
  const where = `${method} at ${showUrl(endpoint.url)}`;
  // A value XML cannot carry is the caller's error (RangeError, TypeError), thrown before anything is sent.
  const body = encodeCall(method, params);
  let reply: HttpReply;
  try {
    reply = await httpRequest({
      url: endpoint.url,
      method: "POST",
      headers: { ...endpoint.headers, "Content-Type": "text/xml" },
      body,
      tls: endpoint.tls,
      timeoutMs: endpoint.timeoutMs,
      maxBodyBytes: endpoint.maxAnswerBytes,
      ...(endpoint.signal && { signal: endpoint.signal }),
      ...(endpoint.connect && { connect: endpoint.connect }),
    });
  } catch (err) {
    const code = err instanceof FleetError ? err.code : "KF_ERR_NOT_READY";
    throw new FleetError(code, `${where}: ${(err as Error).message}`, { cause: err });
  }
  if (reply.status !== 200) throw statusError(reply, endpoint.url, where);
  if (reply.truncated) throw new FleetError("KF_ERR_RESOURCE", `${where}: answer exceeds ${endpoint.maxAnswerBytes} bytes`);
  try {
    return decodeResponse(reply.body, method, showUrl(endpoint.url));
  } catch (err) {
    if (!(err instanceof XmlRpcDecodeError)) throw err;
    throw new FleetError("KF_ERR_RESOURCE", `${where}: not an XML-RPC answer (${err.reason}): ${excerpt(reply.body)}`, { cause: err });
  }
}
