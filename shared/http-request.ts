// One HTTP(S) request on node:http/https (no dependency), for the Koji client (shared/koji/)
// and the agent's http probe. Every request gets its own connection (no pooling): a probe must
// see the server as a new client does, no session or TLS state leaks from one call into
// another, and a login's TLS 1.2 connection is never reused for calls that may use TLS 1.3.
// What goes wrong on the wire rejects with a FleetError whose message is the reason alone
// (callers say what they were doing): KF_ERR_NOT_READY, or KF_ERR_USAGE for unusable TLS material.
import * as http from "node:http";
import * as https from "node:https";
import type { Duplex, Readable } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import { FleetError } from "./errors.js";

export interface TlsMaterial {
  /** PEM CA bundle that replaces the system trust (a private Koji CA); absent: the system trust. */
  readonly ca?: string | Buffer;
  /** Client certificate (PEM) and its key, offered when the server asks; Koji's client.crt holds both in one file. */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  readonly maxVersion?: "TLSv1.2" | "TLSv1.3";
}

export interface HttpRequest {
  readonly url: URL;
  readonly method: "GET" | "POST" | "HEAD" | "PUT";
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** A body streamed instead of `body` (a file upload): `length` bytes read from `open()`. */
  readonly upload?: { readonly length: number; open(): Readable };
  readonly tls?: TlsMaterial;
  /** The whole exchange: connect, TLS, request, answer. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** A longer body is cut there (`truncated`) and the connection closed: an answer, not a download. */
  readonly maxBodyBytes: number;
  /**
   * A byte stream to the server, used instead of TCP to the URL's host and port; TLS, the check
   * of the URL's name and the client certificate stay as they are. The Koji lane reaches a hub
   * inside a network namespace this way (test/koji/).
   */
  readonly connect?: () => Duplex;
}

export interface HttpReply {
  readonly status: number;
  readonly statusText: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The body went on beyond maxBodyBytes; `body` holds the first maxBodyBytes. */
  readonly truncated: boolean;
  /** The negotiated protocol ("TLSv1.3"), for https. */
  readonly tlsVersion?: string;
}

/** What a message shows of a URL: no userinfo, no query (Koji's old session args live there). */
export const showUrl = (url: URL): string => `${url.protocol}//${url.host}${url.pathname}`;

/** Node's error text plus its code when the text lacks it ("connect ECONNREFUSED …" has it). */
function describeError(err: Error & { code?: string }): string {
  return err.code && !err.message.includes(err.code) ? `${err.message} (${err.code})` : err.message;
}

export function httpRequest(call: HttpRequest): Promise<HttpReply> {
  const { url } = call;
  const secure = url.protocol === "https:";
  if (!secure && url.protocol !== "http:") return Promise.reject(new FleetError("KF_ERR_USAGE", `unsupported URL scheme ${url.protocol}`));
  const headers: Record<string, string | number> = { "User-Agent": "koji-fleet", ...call.headers };
  if (call.body !== undefined) headers["Content-Length"] = Buffer.byteLength(call.body);
  if (call.upload) headers["Content-Length"] = call.upload.length;
  const t = call.tls ?? {};
  const tls = { ...(t.ca && { ca: t.ca }), ...(t.cert && { cert: t.cert, key: t.key }), minVersion: "TLSv1.2", maxVersion: t.maxVersion ?? "TLSv1.3" } as const;
  const through = call.connect;
  const connection = through
    ? { createConnection: () => (secure ? tlsConnect({ ...tls, socket: through(), servername: url.hostname }) : through()) }
    : { agent: false };
  return new Promise<HttpReply>((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | null, reply?: HttpReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(reply!);
    };
    let req: http.ClientRequest;
    try {
      req = (secure ? https : http).request(url, { method: call.method, headers, signal: call.signal, ...(secure && tls), ...connection });
    } catch (err) {
      // Unusable TLS material (a key that is not a key, a CA file that is not PEM) throws here.
      return reject(new FleetError("KF_ERR_USAGE", `cannot set up TLS: ${(err as Error).message}`, { cause: err }));
    }
    const timer = setTimeout(() => {
      finish(new FleetError("KF_ERR_NOT_READY", `no answer within ${call.timeoutMs} ms`));
      req.destroy();
    }, call.timeoutMs);
    req.on("error", (err) => finish(new FleetError("KF_ERR_NOT_READY", describeError(err), { cause: err })));
    req.on("response", (res) => {
      const socket = res.socket as { getProtocol?: () => string | null } | null;
      const tlsVersion = secure ? (socket?.getProtocol?.() ?? undefined) : undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (truncated: boolean) => {
        const body = Buffer.concat(chunks).subarray(0, call.maxBodyBytes).toString("utf8");
        finish(null, { status: res.statusCode ?? 0, statusText: res.statusMessage ?? "", headers: res.headers, body, truncated, ...(tlsVersion && { tlsVersion }) });
      };
      res.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size <= call.maxBodyBytes) return;
        done(true);
        req.destroy();
      });
      res.on("error", (err) => finish(new FleetError("KF_ERR_NOT_READY", `answer cut off: ${describeError(err)}`, { cause: err })));
      res.on("end", () => done(false));
    });
    if (call.upload) {
      const source = call.upload.open();
      source.on("error", (err) => {
        finish(new FleetError("KF_ERR_NOT_FOUND", `cannot read the upload: ${describeError(err)}`, { cause: err }));
        req.destroy();
      });
      source.pipe(req);
    } else {
      req.end(call.body);
    }
  });
}
