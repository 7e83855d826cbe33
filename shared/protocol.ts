// The versioned wire protocol between controller and agents (kf.v1).
// Every message carries a `protocol` tag; every message received is validated (see validate.ts).
import { Type, type Static } from "@sinclair/typebox";
import { HOST_NAME_PATTERN } from "./names.js";
import { SealedValueSchema } from "./sealed.js";

const HostName = Type.String({ pattern: HOST_NAME_PATTERN });
const IsoTime = Type.String({ minLength: 20, maxLength: 40 });
const Id = Type.String({ minLength: 1, maxLength: 512 });

/** One desired piece of host state. `props` is validated by the agent's kind of that name. */
export const ResourceSchema = Type.Object(
  {
    id: Id,
    kind: Type.String({ pattern: "^[a-z][a-z0-9-]{0,40}$" }),
    props: Type.Record(Type.String(), Type.Unknown()),
    /** Ids of resources that must be converged (successfully) before this one. */
    requires: Type.Array(Id),
    /** Ids of resources to refresh (restart, re-run) when this one changes. */
    notifies: Type.Array(Id),
    /** Seconds before the apply of this resource is abandoned. */
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  },
  { additionalProperties: false },
);
export type Resource = Static<typeof ResourceSchema>;

/** A health check the agent runs after each converge and on a timer. */
export const ProbeSchema = Type.Object(
  {
    id: Id,
    kind: Type.String({ pattern: "^[a-z][a-z0-9-]{0,40}$" }),
    props: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: false },
);
export type Probe = Static<typeof ProbeSchema>;

/** What the controller compiled for one host at one git revision. */
export const CatalogSchema = Type.Object(
  {
    protocol: Type.Literal("kf.v1.catalog"),
    host: HostName,
    /** Git commit the catalog was compiled from. */
    revision: Type.String({ pattern: "^[0-9a-f]{7,64}$" }),
    /** Strictly increasing per host; an agent never applies a generation ≤ the one it applied. */
    generation: Type.Integer({ minimum: 1 }),
    issuedAt: IsoTime,
    /** Digest of the content (roles, resources, probes): equal digests mean equal desired state. */
    digest: Type.String({ pattern: "^sha256:[0-9a-f]{64}$" }),
    roles: Type.Array(Type.String()),
    resources: Type.Array(ResourceSchema),
    probes: Type.Array(ProbeSchema),
    /** Secret values the resources reference, each sealed to this host's key (shared/sealed.ts). */
    sealedSecrets: Type.Optional(Type.Record(Type.String({ pattern: "^[a-z0-9][a-z0-9._-]{0,127}$" }), SealedValueSchema)),
    /** Ed25519 over the canonical JSON of every other member (shared/signing.ts). */
    signature: Type.Optional(
      Type.Object(
        { alg: Type.Literal("ed25519"), keyId: Type.String({ pattern: "^[0-9a-f]{16}$" }), value: Type.String({ maxLength: 200 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type Catalog = Static<typeof CatalogSchema>;
export type CatalogContent = Pick<Catalog, "host" | "roles" | "resources" | "probes">;

export const ConditionSchema = Type.Object(
  {
    type: Type.String(),
    status: Type.Union([Type.Literal("True"), Type.Literal("False"), Type.Literal("Unknown")]),
    reason: Type.String(),
    message: Type.String(),
    lastTransitionTime: IsoTime,
  },
  { additionalProperties: false },
);
export type Condition = Static<typeof ConditionSchema>;

export const ResourceOutcome = Type.Union([
  Type.Literal("unchanged"),
  Type.Literal("changed"),
  Type.Literal("would-change"),
  Type.Literal("failed"),
  Type.Literal("skipped"),
  Type.Literal("pruned"),
]);
export type ResourceOutcome = Static<typeof ResourceOutcome>;

export const ResourceResultSchema = Type.Object(
  {
    id: Id,
    kind: Type.String(),
    outcome: ResourceOutcome,
    /** Human-readable differences found (and fixed, unless noop). */
    changes: Type.Array(Type.String()),
    error: Type.Optional(Type.String()),
    /** Error catalogue code when the failure has one (KF_ERR_UNSUPPORTED: needs a person). */
    errorCode: Type.Optional(Type.String()),
    durationMs: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type ResourceResult = Static<typeof ResourceResultSchema>;

export const ProbeResultSchema = Type.Object(
  {
    id: Id,
    healthy: Type.Boolean(),
    output: Type.String({ maxLength: 4096 }),
    /** When the probe last changed between healthy and failing. */
    since: IsoTime,
    checkedAt: IsoTime,
  },
  { additionalProperties: false },
);
export type ProbeResult = Static<typeof ProbeResultSchema>;

const AppliedRef = Type.Object(
  {
    revision: Type.String(),
    generation: Type.Integer({ minimum: 0 }),
    digest: Type.String(),
  },
  { additionalProperties: false },
);
export type AppliedRef = Static<typeof AppliedRef>;

/** What an agent reports about its host: written to kf-status.<host> on change and as a heartbeat. */
export const HostStatusSchema = Type.Object(
  {
    protocol: Type.Literal("kf.v1.status"),
    host: HostName,
    agentVersion: Type.String(),
    startedAt: IsoTime,
    lastSeen: IsoTime,
    heartbeatSeconds: Type.Integer({ minimum: 1 }),
    /** The catalog the last converge was about, whether it succeeded or not. */
    observed: Type.Union([AppliedRef, Type.Null()]),
    /** The last catalog converged without failures. */
    applied: Type.Union([AppliedRef, Type.Null()]),
    lastConverge: Type.Union([
      Type.Object(
        {
          startedAt: IsoTime,
          durationMs: Type.Number({ minimum: 0 }),
          changed: Type.Integer({ minimum: 0 }),
          failed: Type.Integer({ minimum: 0 }),
          noop: Type.Boolean(),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    conditions: Type.Array(ConditionSchema),
    resources: Type.Array(ResourceResultSchema),
    probes: Type.Array(ProbeResultSchema),
  },
  { additionalProperties: false },
);
export type HostStatus = Static<typeof HostStatusSchema>;

/** Every event type, listed once: the wire schema below, the API's schemas and the CLI's help derive from it. */
export const EVENT_TYPES = [
  "applied",
  "failed",
  "recovered",
  "drift-repaired",
  "catalog-rejected",
  "revision-accepted",
  "revision-rejected",
  "published",
  "host-removed",
  // Something on the bus tried to make an agent run what the controller did not sign for it, or a host sent a forged event.
  "security",
  "rollout-started",
  "rollout-halted",
  "rollout-resumed",
  "rollout-completed",
  "rollout-aborted",
  // Pins and the fleet-wide rollback (controller/fleet/pins.ts): set or removed through the API; a rollback also ends at the next accepted commit.
  "host-pinned",
  "host-unpinned",
  "rollback-started",
  "rollback-ended",
  // An operator set a secret's value (`secret set`); the event names the secret and the hosts republished, never the value.
  "secret-set",
  // Koji's content (koji.content) through the hub's API: a call made; a hand change found at a converged revision; a call or read failed.
  "koji-changed",
  "koji-drift",
  "koji-failed",
] as const;

export const EventType = Type.Union(EVENT_TYPES.map((t) => Type.Literal(t)));
export type EventType = Static<typeof EventType>;

export const FleetEventSchema = Type.Object(
  {
    protocol: Type.Literal("kf.v1.event"),
    id: Type.String({ minLength: 8, maxLength: 64 }),
    at: IsoTime,
    source: Type.Union([Type.Literal("agent"), Type.Literal("controller")]),
    host: Type.Optional(HostName),
    type: EventType,
    severity: Type.Union([Type.Literal("info"), Type.Literal("warning"), Type.Literal("error")]),
    message: Type.String({ maxLength: 8192 }),
    revision: Type.Optional(Type.String()),
    data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
export type FleetEvent = Static<typeof FleetEventSchema>;
