// Who may call /api/v1. Reads are open to loopback by default (the CLI and `koji-fleet up` on
// the controller's host); anything that changes state needs an admin: a bearer token from
// http.apiTokensFile, or a verified client certificate whose CN is in http.adminCommonNames.
// Loopback writes without either only with http.allowUnauthenticatedLoopback (`koji-fleet up`):
// any local process, and any web page the browser on this host shows, is "loopback".
// Tokens are kept and compared as SHA-256 digests, so every comparison is constant-time over
// 32 bytes whatever the token's length; the policy keeps only the digests.
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest, onRequestHookHandler } from "fastify";
import { sendError } from "./errors.js";
import { fromLoopback } from "./peer.js";

export const READ_ACCESS = ["loopback", "token", "open"] as const;
export type ReadAccess = (typeof READ_ACCESS)[number];

export interface AuthOptions {
  apiTokens?: readonly string[] | undefined;
  adminCommonNames?: readonly string[] | undefined;
  readAccess?: ReadAccess | undefined;
  allowUnauthenticatedLoopback?: boolean | undefined;
}

export interface AuthPolicy {
  readonly tokenDigests: readonly Buffer[];
  readonly adminCommonNames: ReadonlySet<string>;
  readonly readAccess: ReadAccess;
  readonly allowUnauthenticatedLoopback: boolean;
}

export interface Caller {
  readonly loopback: boolean;
  /** The bearer token; null when an Authorization header is there but is not `Bearer <token>`. */
  readonly bearer: string | null | undefined;
  /** CNs of a client certificate the TLS layer verified; undefined when there is none. */
  readonly certCommonNames: readonly string[] | undefined;
}

export type Decision =
  | { allow: true; as: "token" | "certificate" | "loopback" | "anyone" }
  | { allow: false; code: "KF_ERR_UNAUTHORIZED" | "KF_ERR_FORBIDDEN"; message: string };

const digest = (token: string): Buffer => createHash("sha256").update(token, "utf8").digest();

export function authPolicy(o: AuthOptions): AuthPolicy {
  return {
    tokenDigests: (o.apiTokens ?? []).map(digest),
    adminCommonNames: new Set(o.adminCommonNames ?? []),
    readAccess: o.readAccess ?? "loopback",
    allowUnauthenticatedLoopback: o.allowUnauthenticatedLoopback ?? false,
  };
}

/** Compares against every token without stopping at a match, so timing does not say which one. */
export function tokenMatches(policy: AuthPolicy, token: string): boolean {
  const d = digest(token);
  let match = false;
  for (const t of policy.tokenDigests) match = timingSafeEqual(d, t) || match;
  return match;
}

const unauthorized = (message: string): Decision => ({ allow: false, code: "KF_ERR_UNAUTHORIZED", message });

/** The whole access rule, pure: `write` is any method other than GET and HEAD. */
export function decide(policy: AuthPolicy, caller: Caller, write: boolean): Decision {
  // A credential that is presented must be valid, even where none is needed: a typo in a
  // token should fail loudly rather than pass unnoticed until the first write.
  if (caller.bearer === null) return unauthorized('the Authorization header must be "Bearer <token>"');
  if (caller.bearer !== undefined) return tokenMatches(policy, caller.bearer) ? { allow: true, as: "token" } : unauthorized("the API token is not valid");
  if (caller.certCommonNames?.some((cn) => policy.adminCommonNames.has(cn))) return { allow: true, as: "certificate" };
  if (write) {
    if (policy.allowUnauthenticatedLoopback && caller.loopback) return { allow: true, as: "loopback" };
  } else {
    if (policy.readAccess === "open") return { allow: true, as: "anyone" };
    if (policy.readAccess === "loopback" && caller.loopback) return { allow: true, as: "loopback" };
  }
  if (caller.certCommonNames) {
    return { allow: false, code: "KF_ERR_FORBIDDEN", message: `client certificate CN=${caller.certCommonNames.join(",") || "(none)"} is not in http.adminCommonNames` };
  }
  return unauthorized(write ? "changing state needs an API token (Authorization: Bearer …) or an admin client certificate, from loopback too unless http.allowUnauthenticatedLoopback is true" : "reading the API from this address needs an API token (Authorization: Bearer …)");
}

interface MaybeTlsSocket {
  authorized?: boolean;
  getPeerCertificate?: () => { subject?: { CN?: string | string[] } } | null;
}

/** CNs of the peer certificate, only if the TLS layer verified it against the configured CA. */
export function verifiedCommonNames(socket: object): readonly string[] | undefined {
  const s = socket as MaybeTlsSocket;
  if (s.authorized !== true || typeof s.getPeerCertificate !== "function") return undefined;
  const cn = s.getPeerCertificate()?.subject?.CN;
  return cn === undefined ? [] : [cn].flat();
}

/** Who changes something, for the record: an API token names nobody, a client certificate its CN. */
export function author(req: FastifyRequest): string {
  return verifiedCommonNames(req.socket)?.[0] || "api";
}

export function callerOf(req: FastifyRequest): Caller {
  const auth = req.headers.authorization;
  const m = auth === undefined ? null : /^Bearer +(\S+) *$/i.exec(auth);
  return { loopback: fromLoopback(req), bearer: auth === undefined ? undefined : (m?.[1] ?? null), certCommonNames: verifiedCommonNames(req.socket) };
}

const READ_METHODS = new Set(["GET", "HEAD"]);
/** Anything but GET and HEAD changes state (or may: OPTIONS is treated the same). */
export const isWrite = (method: string): boolean => !READ_METHODS.has(method);

/** onRequest hook for /api/v1: it runs before the body is read, so refused requests cost little. */
export function apiAccessHook(options: AuthOptions): onRequestHookHandler {
  const policy = authPolicy(options);
  return async (req, reply) => {
    const d = decide(policy, callerOf(req), isWrite(req.method));
    if (d.allow) return;
    req.log.info({ ip: req.ip, method: req.method, url: req.url, code: d.code }, "API request refused");
    if (d.code === "KF_ERR_UNAUTHORIZED") reply.header("www-authenticate", 'Bearer realm="koji-fleet"');
    return sendError(reply, d.code, d.message);
  };
}
