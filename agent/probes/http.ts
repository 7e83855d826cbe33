// `http` probe: one request, judged by its status and optionally its body. Koji examples:
// hub `GET /kojihub` → 405 (the WSGI app is loaded and rejects GET by design), kojiweb
// `/koji/` → 200, a known lookaside file → 200 (HEAD).
import { Type, type Static } from "@sinclair/typebox";
import type { ProbeKind } from "./index.js";
import { httpRequest, showUrl } from "../../shared/http-request.js";
import { MAX_BODY_BYTES, RegexString, TimeoutMs, compileRegex, excerpt, healthy, unhealthy } from "./common.js";
import { TlsProps, loadTls } from "./tls-props.js";

const Status = Type.Integer({ minimum: 100, maximum: 599 });

export const HttpProbeSchema = Type.Object(
  {
    url: Type.String({ pattern: "^https?://[^\\s]+$", maxLength: 4096 }),
    method: Type.Optional(Type.Union([Type.Literal("GET"), Type.Literal("POST"), Type.Literal("HEAD")])),
    expectStatus: Type.Optional(Type.Union([Status, Type.Array(Status, { minItems: 1, maxItems: 20 })])),
    bodyMatches: Type.Optional(RegexString),
    /** POST body, e.g. an XML-RPC call. */
    body: Type.Optional(Type.String({ maxLength: 65_536 })),
    contentType: Type.Optional(Type.String({ pattern: "^[\\x21-\\x7e][\\x20-\\x7e]*$", maxLength: 256 })),
    ...TlsProps,
    timeoutMs: Type.Optional(TimeoutMs),
  },
  { additionalProperties: false },
);
export type HttpProbeProps = Static<typeof HttpProbeSchema>;

const DEFAULT_TIMEOUT_MS = 10_000;

export const httpProbe: ProbeKind<HttpProbeProps> = {
  name: "http",
  schema: HttpProbeSchema,
  async check(props, ctx) {
    let url: URL;
    try {
      url = new URL(props.url);
    } catch {
      return unhealthy(`invalid url ${JSON.stringify(props.url)}`);
    }
    const method = props.method ?? "GET";
    const want = props.expectStatus === undefined ? [200] : [props.expectStatus].flat();
    const re = props.bodyMatches === undefined ? undefined : compileRegex(props.bodyMatches, "bodyMatches");
    if (typeof re === "string") return unhealthy(re);
    const what = `${method} ${showUrl(url)}`;
    let reply;
    try {
      const tls = await loadTls(props, ctx);
      const headers = props.contentType ? { "Content-Type": props.contentType } : undefined;
      reply = await httpRequest({
        url, method, tls, signal: ctx.signal,
        timeoutMs: props.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxBodyBytes: MAX_BODY_BYTES,
        ...(headers && { headers }),
        ...(props.body !== undefined && { body: props.body }),
      });
    } catch (err) {
      return unhealthy(`${what}: ${(err as Error).message}`);
    }
    const got = `${what} → ${reply.status}${reply.statusText ? ` ${reply.statusText}` : ""}`;
    if (!want.includes(reply.status)) {
      return unhealthy(`${got}, expected ${want.join(" or ")}${reply.body ? `: ${excerpt(reply.body)}` : ""}`);
    }
    if (re && !re.test(reply.body)) return unhealthy(`${got}, body does not match /${props.bodyMatches}/: ${excerpt(reply.body)}`);
    return healthy(reply.tlsVersion ? `${got} (${reply.tlsVersion})` : got);
  },
};
