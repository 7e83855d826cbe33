// Every route the controller serves, with the schemas of what it takes and answers: the
// contract. The controller registers each route from its entry here (fastify validates requests
// and serializes answers with these schemas, and @fastify/swagger makes the OpenAPI document
// of them); the CLI takes its paths and answer types from the same entries. The key of an
// entry is its OpenAPI operationId.
import { Type, type TSchema } from "@sinclair/typebox";
import type { ErrorCode } from "../errors.js";
import { errorResponses, ErrorSchema, READ_ERRORS, WRITE_ERRORS } from "./errors.js";
import { EventListSchema, EventQuerySchema, EventSchema, FleetSchema, KojiSchema, RevisionSchema, RevisionsSchema } from "./fleet.js";
import { ConditionSchema, HostDetailSchema, HostListSchema, HostsSnapshotSchema, HostViewSchema, ProbeResultSchema, ResourceResultSchema } from "./hosts.js";
import { HostParamsSchema, PinsSchema, PlanSchema, RevisionRequestSchema, RolloutActionSchema, RolloutSchema } from "./rollouts.js";
import { AcceptedSchema, HealthSchema, LeaderSchema, OpenApiSchema, ReadySchema, StandbyHealthSchema, WebhookAnswerSchema } from "./service.js";
import { SecretListSchema, SecretParamsSchema, SecretSchema, SecretSetSchema, SecretValueRequestSchema } from "./secrets.js";
import { Named } from "./schema-kit.js";

export type Method = "GET" | "POST" | "DELETE";

/** A response that is not JSON: its media type and what it holds. */
const media = (type: string, description: string) => ({ description, content: { [type]: { schema: Type.String() } } });

const route = <const M extends Method, const U extends string, const S extends { summary: string; tags: string[]; response: Record<number, unknown> }>(method: M, url: U, schema: S) => ({ method, url, schema });

/** Each entry's key becomes its schema's operationId. */
function named<T extends Record<string, { schema: object }>>(routes: T): T {
  for (const [id, r] of Object.entries(routes)) Object.assign(r.schema, { operationId: id });
  return routes;
}

const PIN_ERRORS = [...WRITE_ERRORS, "KF_ERR_NOT_FOUND", "KF_ERR_CONFIG_INVALID", "KF_ERR_CONFLICT", "KF_ERR_GIT", "KF_ERR_NOT_READY"] as const satisfies readonly ErrorCode[];

export const API = named({
  getHealth: route("GET", "/healthz", {
    summary: "Liveness: 200 while the process runs (open, no credentials)", tags: ["service"],
    response: { 200: Named(HealthSchema), ...errorResponses(["KF_ERR_INTERNAL"]) },
  }),
  getReady: route("GET", "/readyz", {
    summary: "Readiness: NATS connected and the first reconcile finished (open)", tags: ["service"],
    response: { 200: Named(ReadySchema), ...errorResponses(["KF_ERR_NOT_READY", "KF_ERR_INTERNAL"]) },
  }),
  getMetrics: route("GET", "/metrics", {
    summary: "Prometheus metrics, text format 0.0.4 (open; docs/metrics.md)", tags: ["service"],
    response: { 200: media("text/plain", "every series of docs/metrics.md"), ...errorResponses(["KF_ERR_INTERNAL"]) },
  }),
  postGitHook: route("POST", "/hooks/git", {
    summary: "The git webhook: a push makes the controller fetch (the body is checked, never trusted)", tags: ["service"],
    description: "Signed with http.webhookSecretFile (X-Forgejo-Signature, X-Gitea-Signature, X-Hub-Signature-256, X-Gitlab-Token), or unsigned from loopback only without a secret. At most 60 calls a minute per address.",
    response: { 200: Named(WebhookAnswerSchema), 202: Named(AcceptedSchema), ...errorResponses(["KF_ERR_UNAUTHORIZED", "KF_ERR_TOO_LARGE", "KF_ERR_RATE_LIMITED", "KF_ERR_INTERNAL"]) },
  }),
  getDashboard: route("GET", "/", {
    summary: "The dashboard page (docs/dashboard.md)", tags: ["dashboard"],
    response: { 200: media("text/html", "the page; it reads /api/v1 from the browser"), ...errorResponses(["KF_ERR_INTERNAL"]) },
  }),
  getDashboardScript: route("GET", "/dashboard/app.js", {
    summary: "The dashboard's script", tags: ["dashboard"],
    response: { 200: media("text/javascript", "the script"), ...errorResponses(["KF_ERR_INTERNAL"]) },
  }),
  getDashboardStyle: route("GET", "/dashboard/style.css", {
    summary: "The dashboard's stylesheet", tags: ["dashboard"],
    response: { 200: media("text/css", "the stylesheet"), ...errorResponses(["KF_ERR_INTERNAL"]) },
  }),
  getFleet: route("GET", "/api/v1/fleet", {
    summary: "The revision in force, validation state, git sync and host counts by phase", tags: ["fleet"],
    response: { 200: Named(FleetSchema), ...errorResponses(READ_ERRORS) },
  }),
  getHosts: route("GET", "/api/v1/hosts", {
    summary: "Every host's view, sorted by name", tags: ["hosts"],
    response: { 200: Named(HostListSchema), ...errorResponses(READ_ERRORS) },
  }),
  getHostsHost: route("GET", "/api/v1/hosts/:host", {
    summary: "One host's view with its catalog, resource results and probes", tags: ["hosts"],
    params: HostParamsSchema,
    response: { 200: Named(HostDetailSchema), ...errorResponses([...READ_ERRORS, "KF_ERR_NOT_FOUND", "KF_ERR_USAGE", "KF_ERR_NATS"]) },
  }),
  getEvents: route("GET", "/api/v1/events", {
    summary: "The latest events, oldest first", tags: ["events"],
    querystring: EventQuerySchema,
    response: { 200: Named(EventListSchema), ...errorResponses([...READ_ERRORS, "KF_ERR_USAGE"]) },
  }),
  getEventsStream: route("GET", "/api/v1/events/stream", {
    summary: "Server-sent events: `hosts` (a HostsSnapshot) when a host view changes, `fleet-event` (an Event) as it happens", tags: ["events"],
    response: {
      200: media("text/event-stream", "`event: hosts` (data: HostsSnapshot) and `event: fleet-event` (data: Event, id: the event's id) messages with JSON `data:`, and `: heartbeat` comments every 15 s"),
      ...errorResponses(READ_ERRORS),
    },
  }),
  postSync: route("POST", "/api/v1/sync", {
    summary: "Fetch the repository now (admin)", tags: ["fleet"],
    response: { 202: Named(AcceptedSchema), ...errorResponses(WRITE_ERRORS) },
  }),
  getRolloutsCurrent: route("GET", "/api/v1/rollouts/current", {
    summary: "The current rollout and who waits for whom", tags: ["rollouts"],
    response: { 200: Named(RolloutSchema), ...errorResponses([...READ_ERRORS, "KF_ERR_NOT_FOUND"]) },
  }),
  postRolloutsCurrentResume: route("POST", "/api/v1/rollouts/current/resume", {
    summary: "Resume a halted rollout past its failed host (admin)", tags: ["rollouts"],
    response: { 202: Named(RolloutActionSchema), ...errorResponses([...WRITE_ERRORS, "KF_ERR_NOT_FOUND", "KF_ERR_CONFLICT"]) },
  }),
  postRolloutsCurrentAbort: route("POST", "/api/v1/rollouts/current/abort", {
    summary: "Abort the current rollout; unpublished hosts keep their catalog (admin)", tags: ["rollouts"],
    response: { 202: Named(RolloutActionSchema), ...errorResponses([...WRITE_ERRORS, "KF_ERR_NOT_FOUND", "KF_ERR_CONFLICT"]) },
  }),
  getRevisions: route("GET", "/api/v1/revisions", {
    summary: "The last 50 processed revisions, newest first, with their validation results", tags: ["fleet"],
    response: { 200: Named(RevisionsSchema), ...errorResponses(READ_ERRORS) },
  }),
  getKoji: route("GET", "/api/v1/koji", {
    summary: "Koji objects converged through the hub's API", tags: ["fleet"],
    response: { 200: Named(KojiSchema), ...errorResponses(READ_ERRORS) },
  }),
  postPlan: route("POST", "/api/v1/plan", {
    summary: "What a revision would change on each host, asked of the live agents (admin)", tags: ["rollouts"],
    body: RevisionRequestSchema,
    response: { 200: Named(PlanSchema), ...errorResponses([...WRITE_ERRORS, "KF_ERR_NOT_FOUND", "KF_ERR_CONFIG_INVALID", "KF_ERR_NOT_READY"]) },
  }),
  getPins: route("GET", "/api/v1/pins", {
    summary: "Pinned hosts and the fleet-wide rollback", tags: ["rollouts"],
    response: { 200: Named(PinsSchema), ...errorResponses([...READ_ERRORS, "KF_ERR_NOT_READY"]) },
  }),
  postHostsHostPin: route("POST", "/api/v1/hosts/:host/pin", {
    summary: "Keep a host at the catalog compiled from a revision (admin)", tags: ["rollouts"],
    params: HostParamsSchema, body: RevisionRequestSchema,
    response: { 202: Named(PinsSchema), ...errorResponses(PIN_ERRORS) },
  }),
  deleteHostsHostPin: route("DELETE", "/api/v1/hosts/:host/pin", {
    summary: "Unpin a host: it follows the branch head again (admin)", tags: ["rollouts"],
    params: HostParamsSchema,
    response: { 202: Named(PinsSchema), ...errorResponses(PIN_ERRORS) },
  }),
  postRollback: route("POST", "/api/v1/rollback", {
    summary: "Keep every host at a revision's catalog until a newer commit is accepted (admin)", tags: ["rollouts"],
    body: RevisionRequestSchema,
    response: { 202: Named(PinsSchema), ...errorResponses(PIN_ERRORS) },
  }),
  deleteRollback: route("DELETE", "/api/v1/rollback", {
    summary: "End the fleet-wide rollback: every host not pinned follows the revision in force again (admin)", tags: ["rollouts"],
    response: { 202: Named(PinsSchema), ...errorResponses(PIN_ERRORS) },
  }),
  getSecrets: route("GET", "/api/v1/secrets", {
    summary: "The secrets the fleet uses: names, origin (generated or set), since when and the hosts using each, never values", tags: ["secrets"],
    response: { 200: Named(SecretListSchema), ...errorResponses([...READ_ERRORS, "KF_ERR_NOT_READY"]) },
  }),
  postSecretsName: route("POST", "/api/v1/secrets/:name", {
    summary: "Store an operator's value for a secret the fleet uses and republish the hosts that use it (admin)", tags: ["secrets"],
    params: SecretParamsSchema, body: SecretValueRequestSchema,
    response: { 202: Named(SecretSetSchema), ...errorResponses([...WRITE_ERRORS, "KF_ERR_NOT_FOUND", "KF_ERR_USAGE", "KF_ERR_NOT_READY"]) },
  }),
  getOpenapiJson: route("GET", "/api/v1/openapi.json", {
    summary: "This document", tags: ["service"],
    response: { 200: Named(OpenApiSchema), ...errorResponses(READ_ERRORS) },
  }),
});

/** What a standby controller serves until it is elected (controller/http/standby.ts); not in the leader's document. */
export const STANDBY_API = named({
  getStandbyHealth: route("GET", "/healthz", { summary: "Liveness of a standby", tags: ["standby"], response: { 200: StandbyHealthSchema, ...errorResponses(["KF_ERR_INTERNAL"]) } }),
  getStandbyReady: route("GET", "/readyz", { summary: "Always 503 on a standby, naming the leader", tags: ["standby"], response: errorResponses(["KF_ERR_NOT_READY", "KF_ERR_INTERNAL"]) }),
  getStandbyLeader: route("GET", "/api/v1/leader", { summary: "The leader lease as this standby reads it", tags: ["standby"], response: { 200: LeaderSchema, ...errorResponses(["KF_ERR_INTERNAL"]) } }),
});

/** The named schemas (Named): the components of the OpenAPI document. */
export const SHARED_SCHEMAS: readonly TSchema[] = [
  ErrorSchema, HealthSchema, ReadySchema, AcceptedSchema, WebhookAnswerSchema, OpenApiSchema,
  RevisionSchema, FleetSchema, RevisionsSchema, KojiSchema, EventSchema, EventListSchema,
  ConditionSchema, ResourceResultSchema, ProbeResultSchema, HostViewSchema, HostListSchema, HostDetailSchema, HostsSnapshotSchema,
  RolloutSchema, RolloutActionSchema, PinsSchema, PlanSchema, SecretSchema, SecretListSchema, SecretSetSchema,
];

type Contract = { schema: { response: Record<number, unknown> } };
type SuccessStatus<R extends Contract> = Extract<keyof R["schema"]["response"], 200 | 202>;
/** The JSON body a route answers on success (200 or 202), e.g. `Answer<typeof API.getHosts>`. */
export type Answer<R extends Contract> = R["schema"]["response"][SuccessStatus<R>] extends infer S extends TSchema ? S["static"] : never;
