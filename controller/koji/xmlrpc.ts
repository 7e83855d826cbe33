// A small XML-RPC client: the pure codec (shared/koji/xmlrpc-codec.ts) plus one POST over node:https that
// trusts only the farm CA. Everything that can go wrong on the wire becomes a FleetError with
// a catalogue code; a fault from the hub stays a KojiFault (the hub answered, and said no).
import { request } from "node:https";
import type { Duplex } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import { FleetError, type ErrorCode } from "../../shared/errors.js";
import { decodeResponse, encodeCall, type XmlRpcValue } from "../../shared/koji/xmlrpc-codec.js";

export * from "../../shared/koji/xmlrpc-codec.js";

export interface XmlRpcEndpoint {
  /** Full URL, query included (Koji's URL sessions put session-id/key/callnum there). */
  readonly url: string;
  /** PEM of the CA(s) the server certificate must chain to; the system store is not used. */
  readonly ca: string;
  /** Client certificate (PEM) and its key; Koji's client.crt convention holds both in one file. */
  readonly cert?: string;
  readonly key?: string;
  /** Whole exchange (connect, TLS, request, answer). */
  readonly timeoutMs: number;
  /**
   * Cap the handshake at TLS 1.2. httpd asks for the client certificate only on /ssllogin, after
   * the handshake: TLS 1.3 needs post-handshake auth, which Node cannot do (nodejs/node#36926),
   * TLS 1.2 renegotiates and works (koji.md pitfall 9).
   */
  readonly tls12Only?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * A byte stream to the hub, used instead of TCP to the URL's host and port; TLS, the check of
   * the URL's name and the client certificate stay as they are. The Koji lane reaches a hub
   * inside a network namespace this way (test/koji/).
   */
  readonly connect?: () => Duplex;
}

const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/** Error messages name the endpoint but never the session key in its query. */
const where = (url: string): string => {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
};

function httpError(status: number, endpoint: XmlRpcEndpoint, method: string): FleetError {
  const at = where(endpoint.url);
  if (status === 403 || status === 401) {
    const hint = endpoint.url.includes("/ssllogin")
      ? " (httpd refused the client certificate: it must be issued by the hub's CA; with SSLVerifyClient inside <Location /kojihub/ssllogin> the login must use TLS 1.2, see koji.md pitfall 9)"
      : "";
    return new FleetError("KF_ERR_FORBIDDEN", `${method}: HTTP ${status} from ${at}${hint}`);
  }
  const code: ErrorCode = status >= 500 ? "KF_ERR_NOT_READY" : "KF_ERR_RESOURCE";
  return new FleetError(code, `${method}: HTTP ${status} from ${at} (is this the XML-RPC endpoint, e.g. https://hub/kojihub?)`);
}

/** POSTs one call; resolves with the decoded result, rejects with KojiFault or FleetError. */
export function xmlrpcCall(endpoint: XmlRpcEndpoint, method: string, params: readonly XmlRpcValue[]): Promise<XmlRpcValue> {
  const body = Buffer.from(encodeCall(method, params), "utf8");
  return new Promise<XmlRpcValue>((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | null, value?: XmlRpcValue) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value ?? null);
    };
    let req: ReturnType<typeof request>;
    try {
      const tls = {
        ca: endpoint.ca,
        cert: endpoint.cert,
        key: endpoint.key,
        minVersion: "TLSv1.2",
        maxVersion: endpoint.tls12Only ? "TLSv1.2" : "TLSv1.3",
      } as const;
      const through = endpoint.connect;
      req = request(endpoint.url, {
        method: "POST",
        ...tls,
        // One connection per call: no pooled socket outlives the converge, and a login's TLS 1.2
        // connection is never reused for calls that might prefer TLS 1.3.
        ...(through ? { createConnection: () => tlsConnect({ ...tls, socket: through(), servername: new URL(endpoint.url).hostname }) } : { agent: false }),
        headers: { ...endpoint.headers, "Content-Type": "text/xml", "Content-Length": String(body.length), "User-Agent": "koji-fleet" },
      });
    } catch (err) {
      // Unusable TLS material (a key that is not a key, a CA file that is not PEM) throws here.
      return reject(new FleetError("KF_ERR_USAGE", `${method}: cannot set up TLS to ${where(endpoint.url)}: ${(err as Error).message}`, { cause: err }));
    }
    const timer = setTimeout(() => {
      finish(new FleetError("KF_ERR_NOT_READY", `${method}: no answer from ${where(endpoint.url)} within ${endpoint.timeoutMs} ms`));
      req.destroy();
    }, endpoint.timeoutMs);
    req.on("error", (err) => finish(new FleetError("KF_ERR_NOT_READY", `${method}: cannot reach the Koji hub at ${where(endpoint.url)}: ${err.message}`, { cause: err })));
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          finish(new FleetError("KF_ERR_RESOURCE", `${method}: answer from ${where(endpoint.url)} exceeds ${MAX_ANSWER_BYTES} bytes`));
          req.destroy();
        } else chunks.push(chunk);
      });
      res.on("error", (err) => finish(new FleetError("KF_ERR_NOT_READY", `${method}: answer from ${where(endpoint.url)} cut off: ${err.message}`, { cause: err })));
      res.on("end", () => {
        if (res.statusCode !== 200) return finish(httpError(res.statusCode ?? 0, endpoint, method));
        try {
          finish(null, decodeResponse(Buffer.concat(chunks).toString("utf8"), method));
        } catch (err) {
          finish(err as Error);
        }
      });
    });
    req.end(body);
  });
}
