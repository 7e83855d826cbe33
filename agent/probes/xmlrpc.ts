// `xmlrpc` probe: one read-only call to a Koji hub, optionally logged in with a client
// certificate, judged by its result. Examples: getAPIVersion → 1 (hub up, DB reachable: the
// hub opens a DB connection for every call); getLoggedInUser with sslLogin (the admin cert
// logs in); getUserPerms("kojira") includes "repo"; getHost("b1") includes enabled and ready,
// with update_ts fresh. A fault is unhealthy and quotes its faultString.
import { isDeepStrictEqual } from "node:util";
import { Type, type Static } from "@sinclair/typebox";
import type { ProbeKind } from "./index.js";
import { MAX_BODY_BYTES, RegexString, TimeoutMs, compileRegex, excerpt, healthy, unhealthy } from "./common.js";
import { TlsProps, loadTls } from "./tls-props.js";
import { FleetError } from "../../shared/errors.js";
import { showUrl } from "../../shared/http-request.js";
import { KojiSession } from "../../shared/koji/session.js";
import { kwargs, type XmlRpcResult, type XmlRpcStruct, type XmlRpcValue } from "../../shared/koji/xmlrpc-codec.js";

/**
 * Probes only read: the method must be a query by its name (getX, listX, queryX, hasX, checkX,
 * showX, hello, echo; `repo.queryQueue` style namespaces allowed). Anything else is refused
 * by the schema, so a catalog cannot turn a probe into a change every 30 s.
 */
const ReadMethod = Type.String({ pattern: "^([a-z][A-Za-z0-9]*\\.)?(get|list|query|has|check|count|show|search|hello|echo)[A-Za-z0-9_]*$", maxLength: 128 });

export const XmlRpcProbeSchema = Type.Object(
  {
    url: Type.String({ pattern: "^https?://[^\\s?#]+$", maxLength: 4096 }),
    method: ReadMethod,
    params: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 32 })),
    /** Python keyword arguments (listHosts(enabled=True)): sent as Koji's `__starstar` struct. */
    kwargs: Type.Optional(Type.Record(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }), Type.Unknown())),
    /** The result must deep-equal this. */
    expect: Type.Optional(Type.Unknown()),
    /** The result must contain this: struct keys recursively, array elements anywhere. */
    expectIncludes: Type.Optional(Type.Unknown()),
    /** Tested against the result as JSON. */
    resultMatches: Type.Optional(RegexString),
    /** A timestamp in the result (epoch seconds or a date string) must be this recent. */
    fresh: Type.Optional(Type.Object({ field: Type.String({ minLength: 1, maxLength: 128 }), maxAgeSeconds: Type.Integer({ minimum: 1 }) }, { additionalProperties: false })),
    sslLogin: Type.Optional(Type.Boolean()),
    ...TlsProps,
    timeoutMs: Type.Optional(TimeoutMs),
  },
  { additionalProperties: false },
);
export type XmlRpcProbeProps = Static<typeof XmlRpcProbeSchema>;

const DEFAULT_TIMEOUT_MS = 10_000;

/** `want` is within `got`: struct keys recursively, each array element somewhere in the array. */
export function includes(got: unknown, want: unknown): boolean {
  if (Array.isArray(want)) return Array.isArray(got) && want.every((w) => got.some((g) => includes(g, w)));
  if (want !== null && typeof want === "object") {
    if (got === null || typeof got !== "object" || Array.isArray(got)) return false;
    return Object.entries(want).every(([k, w]) => k in got && includes((got as Record<string, unknown>)[k], w));
  }
  return isDeepStrictEqual(got, want);
}

/** Seconds since a Koji timestamp: update_ts is epoch seconds, update_time a date string. */
function ageSeconds(v: XmlRpcResult | undefined, now: number): number | null {
  const t = typeof v === "number" ? v * 1000 : typeof v === "string" ? Date.parse(v.replace(" ", "T")) : NaN;
  return Number.isNaN(t) ? null : Math.round((now - t) / 1000);
}

function judge(props: XmlRpcProbeProps, result: XmlRpcResult, shown: string): string | null {
  if (props.expect !== undefined && !isDeepStrictEqual(result, props.expect)) return `returned ${shown}, expected ${excerpt(JSON.stringify(props.expect))}`;
  if (props.expectIncludes !== undefined && !includes(result, props.expectIncludes)) return `returned ${shown}, which lacks ${excerpt(JSON.stringify(props.expectIncludes))}`;
  if (props.resultMatches !== undefined) {
    const re = compileRegex(props.resultMatches, "resultMatches");
    if (typeof re === "string") return re;
    if (!re.test(JSON.stringify(result))) return `returned ${shown}, which does not match /${props.resultMatches}/`;
  }
  if (props.fresh) {
    const v = result !== null && typeof result === "object" && !Array.isArray(result) ? result[props.fresh.field] : undefined;
    const age = ageSeconds(v, Date.now());
    if (age === null) return `returned no timestamp in ${props.fresh.field}: ${shown}`;
    if (age > props.fresh.maxAgeSeconds) return `${props.fresh.field} is ${age} s old (limit ${props.fresh.maxAgeSeconds} s): ${shown}`;
  }
  return null;
}

/** One call; with login, the session is opened for it and closed after: a probe every 30 s leaves none behind. */
async function callOnce(session: KojiSession, method: string, args: XmlRpcValue[], login: boolean): Promise<XmlRpcResult> {
  if (!login) return session.call(method, ...args);
  await session.sslLogin();
  try {
    return await session.call(method, ...args);
  } finally {
    await session.logout();
  }
}

export const xmlrpcProbe: ProbeKind<XmlRpcProbeProps> = {
  name: "xmlrpc",
  schema: XmlRpcProbeSchema,
  async check(props, ctx) {
    const url = new URL(props.url);
    const call = `${props.method}${props.sslLogin ? " (after sslLogin)" : ""}`;
    if (props.sslLogin && (!props.clientCert || url.protocol !== "https:")) return unhealthy(`${call}: sslLogin needs an https url and a clientCert`);
    const params = (props.params ?? []) as XmlRpcValue[];
    const args = props.kwargs ? [...params, kwargs(props.kwargs as XmlRpcStruct)] : params;
    let result: XmlRpcResult;
    try {
      const tls = await loadTls(props, ctx);
      const session = new KojiSession({
        hubUrl: props.url,
        credentials: tls,
        timeoutMs: props.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        signal: ctx.signal,
        maxAnswerBytes: MAX_BODY_BYTES,
        // TLS 1.2 for the login unless told otherwise (the session's default says why).
        ...(props.tlsMaxVersion && { loginTlsMaxVersion: props.tlsMaxVersion }),
      });
      result = await callOnce(session, props.method, args, props.sslLogin === true);
    } catch (err) {
      // The session's errors already name the call and URL (sslLogin or the method itself).
      return unhealthy(err instanceof FleetError ? err.message : `${call} at ${showUrl(url)}: ${(err as Error).message}`);
    }
    const shown = excerpt(JSON.stringify(result));
    const failure = judge(props, result, shown);
    return failure ? unhealthy(`${call}: ${failure}`) : healthy(`${call} → ${shown}`);
  },
};
