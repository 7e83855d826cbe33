// One HTTP(S) request for the http and xmlrpc probes, on node:http/https (no dependency).
// Every request gets its own connection (agent: false): a probe must see the server as a new
// client does, and a session or TLS state must never leak from one probe into another.
import * as http from "node:http";
import * as https from "node:https";
import { Type, type Static } from "@sinclair/typebox";
import { AbsolutePath } from "../kinds/common.js";
import { resolveUnderRoot } from "../providers/files.js";
import type { ProbeContext } from "./index.js";

/** TLS props shared by the http and xmlrpc probes; files are read under the agent's root. */
export const TlsProps = {
  /** PEM CA bundle that replaces the system trust (a private Koji CA). */
  caFile: Type.Optional(AbsolutePath),
  /** Client certificate: a cert and key pair, or one PEM holding both (Koji's `cert=` files). */
  clientCert: Type.Optional(
    Type.Union([
      Type.Object({ certFile: AbsolutePath, keyFile: AbsolutePath }, { additionalProperties: false }),
      Type.Object({ pemFile: AbsolutePath }, { additionalProperties: false }),
    ]),
  ),
  tlsMaxVersion: Type.Optional(Type.Union([Type.Literal("TLSv1.2"), Type.Literal("TLSv1.3")])),
};
const TlsObject = Type.Object(TlsProps);
export type TlsOptions = Static<typeof TlsObject>;

export interface LoadedTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  maxVersion?: "TLSv1.2" | "TLSv1.3";
}

/** Reads the files a TLS option names; an error names the file, never its content. */
export async function loadTls(opts: TlsOptions, ctx: ProbeContext): Promise<LoadedTls> {
  const read = async (p: string, what: string): Promise<Buffer> => {
    // System trust bundles are links (EL: ca-bundle.crt → ca-trust/extracted/…), followed only where root alone could have made them.
    const data = await ctx.files.readFile(resolveUnderRoot(ctx.root, p), { followTrustedLinks: true });
    if (!data) throw new Error(`${what} ${p}: absent`);
    return data;
  };
  const out: LoadedTls = {};
  if (opts.caFile) out.ca = await read(opts.caFile, "caFile");
  const cc = opts.clientCert;
  if (cc && "pemFile" in cc) out.cert = out.key = await read(cc.pemFile, "clientCert.pemFile");
  else if (cc) [out.cert, out.key] = [await read(cc.certFile, "clientCert.certFile"), await read(cc.keyFile, "clientCert.keyFile")];
  if (opts.tlsMaxVersion) out.maxVersion = opts.tlsMaxVersion;
  return out;
}

export interface HttpCall {
  url: URL;
  method: "GET" | "POST" | "HEAD";
  headers?: Record<string, string>;
  body?: string;
  tls: LoadedTls;
  timeoutMs: number;
  signal: AbortSignal;
}

export interface HttpReply {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The negotiated protocol ("TLSv1.3"), for https. */
  tlsVersion?: string;
}

/** Bodies beyond this are cut: a probe matches a page or one XML-RPC answer, not a download. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** What the user sees of a URL: no userinfo, no query (Koji's old session args live there). */
export const showUrl = (url: URL): string => `${url.protocol}//${url.host}${url.pathname}`;

/** Node's error text plus its code when the text lacks it ("connect ECONNREFUSED …" has it). */
function describeError(err: Error & { code?: string }): string {
  return err.code && !err.message.includes(err.code) ? `${err.message} (${err.code})` : err.message;
}

export function httpRequest(call: HttpCall): Promise<HttpReply> {
  const { url, tls } = call;
  const secure = url.protocol === "https:";
  if (!secure && url.protocol !== "http:") return Promise.reject(new Error(`unsupported URL scheme ${url.protocol}`));
  const headers: Record<string, string | number> = { "User-Agent": "koji-fleet-probe/1", ...call.headers };
  if (call.body !== undefined) headers["Content-Length"] = Buffer.byteLength(call.body);
  const options: https.RequestOptions = {
    method: call.method,
    headers,
    agent: false,
    signal: call.signal,
    ...(secure && { ...(tls.ca && { ca: tls.ca }), ...(tls.cert && { cert: tls.cert, key: tls.key }), ...(tls.maxVersion && { maxVersion: tls.maxVersion }) }),
  };
  return new Promise<HttpReply>((resolve, reject) => {
    const req = (secure ? https : http).request(url, options, (res) => {
      const socket = res.socket as { getProtocol?: () => string | null } | null;
      const tlsVersion = secure ? (socket?.getProtocol?.() ?? undefined) : undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        if (size < MAX_BODY_BYTES) chunks.push(c.subarray(0, MAX_BODY_BYTES - size));
        size += c.length;
      });
      res.on("error", (err) => reject(new Error(describeError(err))));
      res.on("end", () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? "",
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          ...(tlsVersion && { tlsVersion }),
        });
      });
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${call.timeoutMs} ms`)), call.timeoutMs);
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(describeError(err)));
    });
    req.end(call.body);
  });
}
