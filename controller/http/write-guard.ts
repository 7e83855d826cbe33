// A browser can send the API a write nobody asked for: any web page may POST to
// http://127.0.0.1:8470 (cross-site request forgery), and a page whose DNS name its owner points
// at 127.0.0.1 after it loaded is even "same-origin" with it (DNS rebinding). A bearer token
// stops both, but an admin client certificate (which a browser sends by itself) and
// http.allowUnauthenticatedLoopback do not. So every write must name this API in Host, come
// from no page or a page of the API's own origin, and carry JSON: a page can send JSON to
// another origin only after a CORS preflight, which this API never grants.
import { isIP } from "node:net";
import type { onRequestHookHandler } from "fastify";
import type { ErrorCode } from "../../shared/errors.js";
import { isWrite } from "./api-auth.js";
import { sendError } from "./errors.js";
import { isLoopbackAddress } from "./peer.js";

export interface ApiNames {
  /** Host names and addresses the API answers to: lower-case, IPv6 without brackets. */
  readonly names: ReadonlySet<string>;
  /** A wildcard listener answers to every address literal (rebinding needs a DNS name). */
  readonly anyAddress: boolean;
}

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "::1"];
const WILDCARDS = new Set(["", "0.0.0.0", "::"]);

const bare = (name: string): string => name.toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");

/** The names of an API listening on `listenHost` (http.host), plus http.publicNames. */
export function apiNames(listenHost: string, publicNames: readonly string[] = []): ApiNames {
  const listen = bare(listenHost);
  const anyAddress = WILDCARDS.has(listen);
  const loopback = anyAddress || listen === "localhost" || isLoopbackAddress(listen);
  return { names: new Set([...(anyAddress ? [] : [listen]), ...(loopback ? LOOPBACK_NAMES : []), ...publicNames.map(bare)]), anyAddress };
}

/** The name in a Host header (`name`, `name:port`, `[v6]:port`); null when it is not one. */
export function hostName(host: string | undefined): string | null {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::\d{1,5})?$/i.exec(host ?? "");
  return m ? bare(m[1]!) : null;
}

export function isApiHost(n: ApiNames, host: string | undefined): boolean {
  const name = hostName(host);
  return name !== null && (n.names.has(name) || (n.anyAddress && isIP(name) !== 0));
}

/** Whether a page at `origin` is the API itself: a browser takes both from the one URL. */
export function isOwnOrigin(origin: string, host: string): boolean {
  try {
    const page = new URL(origin);
    if (page.protocol !== "http:" && page.protocol !== "https:") return false;
    return page.host === new URL(`${page.protocol}//${host}`).host;
  } catch {
    return false; // `null` (a sandboxed frame, a file) and anything else that is no URL
  }
}

export type WriteCheck = { ok: true } | { ok: false; code: ErrorCode; message: string };

/** Host first: a rebinding page's Origin matches its Host, only the name gives it away. */
export function checkWriteTarget(n: ApiNames, h: { host?: string | undefined; origin?: string | undefined }): WriteCheck {
  if (!isApiHost(n, h.host)) {
    return { ok: false, code: "KF_ERR_MISDIRECTED", message: `Host ${JSON.stringify(h.host ?? "")} is not a name of this API (http.host, http.publicNames)` };
  }
  if (h.origin !== undefined && !isOwnOrigin(h.origin, h.host!)) {
    return { ok: false, code: "KF_ERR_FORBIDDEN", message: `a write from a web page of another origin (${h.origin}) is refused` };
  }
  return { ok: true };
}

export const isJson = (contentType: string | undefined): boolean => contentType?.split(";")[0]!.trim().toLowerCase() === "application/json";

/** onRequest, before the access check: refuses writes aimed at another name or from another site. */
export function writeTargetHook(n: ApiNames): onRequestHookHandler {
  return async (req, reply) => {
    if (!isWrite(req.method)) return;
    const c = checkWriteTarget(n, { host: req.headers.host, origin: req.headers.origin });
    if (c.ok) return;
    req.log.warn({ ip: req.ip, method: req.method, url: req.url, host: req.headers.host, origin: req.headers.origin, code: c.code }, "API write refused");
    return sendError(reply, c.code, c.message);
  };
}

/** onRequest, after the access check: a write's body (or its absence) is typed JSON. */
export const jsonWriteHook: onRequestHookHandler = async (req, reply) => {
  const type = req.headers["content-type"];
  if (!isWrite(req.method) || isJson(type)) return;
  return sendError(reply, "KF_ERR_MEDIA_TYPE", `a write needs Content-Type: application/json${type ? `, not ${type}` : ""}`);
};
