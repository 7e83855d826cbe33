// The OpenAPI 3.0.3 description of /api/v1, served at GET /api/v1/openapi.json. Hand-written
// route metadata (ROUTES) plus JSON schemas of the main bodies; a test checks that every
// route registered under /api/v1 is described and that every schema compiles.
import type { FastifyPluginAsync } from "fastify";
import { ERROR_CODES, type ErrorCode } from "../../shared/errors.js";
import { HOST_NAME_PATTERN } from "../../shared/names.js";
import { VERSION } from "../../shared/version.js";
import type { AppDeps } from "./app.js";

type Schema = Record<string, unknown>;

const str: Schema = { type: "string" };
const nstr: Schema = { type: "string", nullable: true };
const int: Schema = { type: "integer" };
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties), extra: Schema = {}): Schema => ({ type: "object", properties, required, ...extra });
const nullable = (s: Schema): Schema => ({ ...s, nullable: true });

const HOST_PHASES = ["Ready", "Progressing", "Blocked", "Failed", "Unknown"];
const ROLLOUT_PHASES = ["Progressing", "Halted", "Complete", "Aborted", "Superseded"];
const EVENT_TYPES = [
  "applied", "failed", "recovered", "drift-repaired", "catalog-rejected", "revision-accepted", "revision-rejected", "published", "host-removed",
  "security", "rollout-started", "rollout-halted", "rollout-resumed", "rollout-completed", "rollout-aborted",
];

const AppliedRef = obj({ revision: str, generation: int, digest: str });
const CommitInfo = obj({ sha: str, shortSha: str, message: str, author: str, authorEmail: str, date: str });
const ConfigError = obj({ file: str, line: int, col: int, message: str, text: str }, ["file", "line", "col", "message"]);

export const SCHEMAS: Record<string, Schema> = {
  Error: obj({ error: obj({ code: { type: "string", enum: Object.keys(ERROR_CODES) }, message: str }) }),
  Revision: CommitInfo,
  Condition: obj({ type: str, status: { type: "string", enum: ["True", "False", "Unknown"] }, reason: str, message: str, lastTransitionTime: str }),
  Fleet: obj({
    revision: nullable(CommitInfo),
    validation: obj(
      { state: { type: "string", enum: ["valid", "invalid", "unknown"] }, revision: nullable(CommitInfo), at: str, errors: { type: "array", items: ConfigError } },
      ["state", "revision", "errors"],
    ),
    git: obj({ at: nstr, head: nstr, error: nstr }),
    hosts: obj({ total: int, ready: int, progressing: int, blocked: int, failed: int, unknown: int }),
  }),
  HostView: obj({
    host: { type: "string", pattern: HOST_NAME_PATTERN },
    roles: { type: "array", items: str },
    phase: { type: "string", enum: HOST_PHASES },
    revision: nstr,
    desired: nullable(obj({ revision: str, generation: int, digest: str, issuedAt: str })),
    applied: nullable(AppliedRef),
    agentVersion: nstr,
    lastSeen: nstr,
    conditions: { type: "array", items: ref("Condition") },
    resources: obj({ total: int, changed: int, failed: int, wouldChange: int }),
    failing: obj({
      resources: { type: "array", items: obj({ id: str, error: str }) },
      probes: { type: "array", items: obj({ id: str, output: str, since: str }) },
    }),
  }),
  HostList: obj({ hosts: { type: "array", items: ref("HostView") } }),
  ResourceResult: obj(
    { id: str, kind: str, outcome: { type: "string", enum: ["unchanged", "changed", "would-change", "failed", "skipped", "pruned"] }, changes: { type: "array", items: str }, error: str, errorCode: str, durationMs: { type: "number" } },
    ["id", "kind", "outcome", "changes", "durationMs"],
  ),
  ProbeResult: obj({ id: str, healthy: { type: "boolean" }, output: str, since: str, checkedAt: str }),
  HostDetail: {
    allOf: [
      ref("HostView"),
      obj({
        catalog: nullable(obj({ revision: str, generation: int, digest: str, resources: { type: "array", items: obj({ id: str, kind: str }) }, probes: { type: "array", items: str } })),
        results: { type: "array", items: ref("ResourceResult") },
        probes: { type: "array", items: ref("ProbeResult") },
      }),
    ],
  },
  Event: obj(
    {
      protocol: { type: "string", enum: ["kf.v1.event"] },
      id: str,
      at: str,
      source: { type: "string", enum: ["agent", "controller"] },
      host: str,
      type: { type: "string", enum: EVENT_TYPES },
      severity: { type: "string", enum: ["info", "warning", "error"] },
      message: str,
      revision: str,
      data: { type: "object", additionalProperties: true },
    },
    ["protocol", "id", "at", "source", "type", "severity", "message"],
  ),
  EventList: obj({ events: { type: "array", items: ref("Event") } }),
  Rollout: obj({
    revision: str,
    startedAt: str,
    targets: { type: "array", items: obj({ host: str, digest: str, batched: { type: "boolean" } }) },
    published: { type: "object", additionalProperties: str },
    phase: { type: "string", enum: ROLLOUT_PHASES },
    halt: nullable(obj({ host: str, message: str, since: str })),
    maxUnavailable: int,
    excused: { type: "array", items: str },
    waiting: { type: "object", additionalProperties: obj({ message: str, since: str }) },
  }),
  RolloutAction: obj({ phase: { type: "string", enum: ROLLOUT_PHASES } }),
  Accepted: obj({ accepted: { type: "boolean" } }),
  Koji: obj({
    enabled: { type: "boolean" },
    lastRunAt: nstr,
    registeredBuilders: { type: "array", items: str },
    kojiraPermitted: { type: "boolean" },
    results: { type: "array", items: ref("ResourceResult") },
  }),
  Revisions: obj({
    inForce: nstr,
    revisions: {
      type: "array",
      items: obj({ revision: ref("Revision"), at: str, state: { type: "string", enum: ["accepted", "rejected"] }, errors: { type: "array", items: str }, changedHosts: { type: "array", items: str } }),
    },
  }),
  RevisionRequest: obj({ revision: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._/^~-]{0,199}$" } }),
  Pins: { type: "object", description: "pinned hosts and the fleet-wide rollback, if any (see docs/api.md)", additionalProperties: true },
  Plan: { type: "object", description: "what a revision would change on each host, computed against live agents", additionalProperties: true },
  OpenApi: obj({ openapi: str, info: { type: "object" }, paths: { type: "object" } }, ["openapi", "info", "paths"]),
};

export interface RouteDoc {
  method: "GET" | "POST" | "DELETE";
  /** Under /api/v1, fastify style (`:host`). */
  path: string;
  summary: string;
  params?: Record<string, Schema>;
  query?: Record<string, Schema>;
  /** Schema name of the JSON request body. */
  body?: string;
  /** Success status → schema name (or a media type other than JSON). */
  ok: { status: number; schema: string } | { status: number; mediaType: string; description: string };
  /** Errors this route answers itself, besides the ones every /api/v1 route may give. */
  errors?: ErrorCode[];
}

/** Every /api/v1 route. Adding a route means adding it here (the test says so). */
export const ROUTES: readonly RouteDoc[] = [
  { method: "GET", path: "/fleet", summary: "The revision in force, validation state, git sync and host counts by phase", ok: { status: 200, schema: "Fleet" } },
  { method: "GET", path: "/hosts", summary: "Every host's view, sorted by name", ok: { status: 200, schema: "HostList" } },
  {
    method: "GET", path: "/hosts/:host", summary: "One host's view with its catalog, resource results and probes",
    params: { host: { type: "string", pattern: HOST_NAME_PATTERN } }, ok: { status: 200, schema: "HostDetail" }, errors: ["KF_ERR_NOT_FOUND", "KF_ERR_USAGE"],
  },
  {
    method: "GET", path: "/events", summary: "The latest events, oldest first",
    query: { host: str, type: str, limit: { type: "integer", minimum: 1, maximum: 500, default: 100 } },
    ok: { status: 200, schema: "EventList" }, errors: ["KF_ERR_USAGE"],
  },
  {
    method: "GET", path: "/events/stream", summary: "Server-sent events: `hosts` (HostList plus dependency edges) on every change, `fleet-event` (an Event) as it happens",
    ok: { status: 200, mediaType: "text/event-stream", description: "`event: hosts` and `event: fleet-event` messages with JSON `data:`, and `: heartbeat` comments" },
  },
  { method: "POST", path: "/sync", summary: "Fetch the repository now (admin)", ok: { status: 202, schema: "Accepted" } },
  { method: "GET", path: "/rollouts/current", summary: "The current rollout and who waits for whom", ok: { status: 200, schema: "Rollout" }, errors: ["KF_ERR_NOT_FOUND"] },
  { method: "POST", path: "/rollouts/current/resume", summary: "Resume a halted rollout past its failed host (admin)", ok: { status: 202, schema: "RolloutAction" }, errors: ["KF_ERR_NOT_FOUND", "KF_ERR_CONFLICT"] },
  { method: "POST", path: "/rollouts/current/abort", summary: "Abort the current rollout; unpublished hosts keep their catalog (admin)", ok: { status: 202, schema: "RolloutAction" }, errors: ["KF_ERR_NOT_FOUND", "KF_ERR_CONFLICT"] },
  { method: "GET", path: "/revisions", summary: "The last 50 processed revisions, newest first, with their validation results", ok: { status: 200, schema: "Revisions" } },
  { method: "GET", path: "/koji", summary: "Koji objects converged through the hub's API", ok: { status: 200, schema: "Koji" } },
  { method: "POST", path: "/plan", summary: "What a revision would change on each host (admin)", body: "RevisionRequest", ok: { status: 200, schema: "Plan" }, errors: ["KF_ERR_USAGE", "KF_ERR_NOT_FOUND", "KF_ERR_CONFIG_INVALID", "KF_ERR_NOT_READY"] },
  { method: "GET", path: "/pins", summary: "Pinned hosts and the fleet-wide rollback", ok: { status: 200, schema: "Pins" }, errors: ["KF_ERR_NOT_READY"] },
  {
    method: "POST", path: "/hosts/:host/pin", summary: "Pin a host to a revision (admin)", params: { host: { type: "string", pattern: HOST_NAME_PATTERN } }, body: "RevisionRequest",
    ok: { status: 202, schema: "Pins" }, errors: ["KF_ERR_USAGE", "KF_ERR_NOT_FOUND", "KF_ERR_CONFIG_INVALID", "KF_ERR_CONFLICT", "KF_ERR_GIT", "KF_ERR_NOT_READY"],
  },
  {
    method: "DELETE", path: "/hosts/:host/pin", summary: "Unpin a host (admin)", params: { host: { type: "string", pattern: HOST_NAME_PATTERN } },
    ok: { status: 202, schema: "Pins" }, errors: ["KF_ERR_USAGE", "KF_ERR_NOT_FOUND", "KF_ERR_CONFLICT", "KF_ERR_NOT_READY"],
  },
  { method: "POST", path: "/rollback", summary: "Roll the whole fleet back to a revision (admin)", body: "RevisionRequest", ok: { status: 202, schema: "Pins" }, errors: ["KF_ERR_USAGE", "KF_ERR_NOT_FOUND", "KF_ERR_CONFIG_INVALID", "KF_ERR_CONFLICT", "KF_ERR_GIT", "KF_ERR_NOT_READY"] },
  { method: "GET", path: "/openapi.json", summary: "This document", ok: { status: 200, schema: "OpenApi" } },
];

/** Errors any /api/v1 route may answer (access control, a bug). */
const COMMON_ERRORS: ErrorCode[] = ["KF_ERR_UNAUTHORIZED", "KF_ERR_FORBIDDEN", "KF_ERR_INTERNAL"];
/** And any write: the checks against browsers (write-guard.ts) and fastify's own on the body. */
const WRITE_ERRORS: ErrorCode[] = ["KF_ERR_TOO_LARGE", "KF_ERR_MEDIA_TYPE", "KF_ERR_MISDIRECTED"];

const openApiPath = (p: string): string => p.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

function errorResponses(codes: readonly ErrorCode[]): Record<string, Schema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const c of codes) byStatus.set(ERROR_CODES[c].http, [...(byStatus.get(ERROR_CODES[c].http) ?? []), c]);
  return Object.fromEntries(
    [...byStatus].sort(([a], [b]) => a - b).map(([status, cs]) => [
      String(status),
      {
        description: cs.map((c) => `${c}: ${ERROR_CODES[c].summary}`).join("; "),
        "x-error-codes": cs,
        content: { "application/json": { schema: ref("Error") } },
      },
    ]),
  );
}

function operation(r: RouteDoc): Schema {
  const parameters = [
    ...Object.entries(r.params ?? {}).map(([name, schema]) => ({ name, in: "path", required: true, schema })),
    ...Object.entries(r.query ?? {}).map(([name, schema]) => ({ name, in: "query", required: false, schema })),
  ];
  const ok = "schema" in r.ok
    ? { description: r.summary, content: { "application/json": { schema: ref(r.ok.schema) } } }
    : { description: r.ok.description, content: { [r.ok.mediaType]: { schema: { type: "string" } } } };
  const codes = [...new Set([...(r.errors ?? []), ...COMMON_ERRORS, ...(r.method === "GET" ? [] : WRITE_ERRORS)])];
  return {
    operationId: `${r.method.toLowerCase()}${r.path.replace(/[/:.]+([a-z])/g, (_m, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, "")}`,
    summary: r.summary,
    ...(parameters.length > 0 && { parameters }),
    ...(r.body && { requestBody: { required: true, content: { "application/json": { schema: ref(r.body) } } } }),
    responses: { [String(r.ok.status)]: ok, ...errorResponses(codes) },
  };
}

export function openApiDocument(): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const r of ROUTES) (paths[`/api/v1${openApiPath(r.path)}`] ??= {})[r.method.toLowerCase()] = operation(r);
  return {
    openapi: "3.0.3",
    info: {
      title: "koji-fleet controller API",
      version: VERSION,
      description: "Writes (POST, DELETE) need Content-Type: application/json (a body is optional where none is described), "
        + "a Host naming the API, and no Origin header other than the API's own. "
        + "Errors have one shape, {error: {code, message}}, with the HTTP status from the error catalogue (docs/errors.md). Codes: "
        + Object.entries(ERROR_CODES).map(([c, e]) => `${c} (${e.http})`).join(", "),
    },
    servers: [{ url: "http://127.0.0.1:8470" }],
    components: {
      schemas: SCHEMAS,
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    },
    security: [{}, { bearer: [] }],
    paths,
  };
}

export const openApiRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app) => {
  const doc = openApiDocument();
  app.get("/openapi.json", async () => doc);
};
