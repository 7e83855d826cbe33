// The fleet as a whole: the revision in force and its validation, the revisions processed,
// the Koji objects the controller converges, and the events.
import { Type, type Static, type TInteger } from "@sinclair/typebox";
import { FleetEventSchema } from "../protocol.js";
import { HOST_PHASES, type HostPhase } from "./phases.js";
import { ResourceResultSchema } from "./hosts.js";
import { ApiForm, Nullable, Named, StringEnum } from "./schema-kit.js";

export const RevisionSchema = Type.Object(
  { sha: Type.String(), shortSha: Type.String(), message: Type.String(), author: Type.String(), authorEmail: Type.String(), date: Type.String() },
  { $id: "Revision", description: "A git commit: subject line, author, author date (ISO 8601 UTC)" },
);
export type Revision = Static<typeof RevisionSchema>;

export const ConfigErrorSchema = Type.Object({ file: Type.String(), line: Type.Integer(), col: Type.Integer(), message: Type.String(), text: Type.Optional(Type.String()) });

/** Hosts by phase, keyed by the phase in lower case, after the total. */
const phaseCounts = Object.fromEntries(HOST_PHASES.map((p) => [p.toLowerCase(), Type.Integer()])) as { [P in HostPhase as Lowercase<P>]: TInteger };

export const FleetSchema = Type.Object(
  {
    revision: Nullable(RevisionSchema, { description: "the revision in force" }),
    validation: Type.Object({
      state: StringEnum(["valid", "invalid", "unknown"]),
      revision: Nullable(RevisionSchema, { description: "the rejected revision (invalid), else the one in force" }),
      at: Type.Optional(Type.String()),
      errors: Type.Array(ConfigErrorSchema),
    }),
    git: Type.Object({ at: Nullable(Type.String()), head: Nullable(Type.String()), error: Nullable(Type.String()) }),
    hosts: Type.Object({ total: Type.Integer(), ...phaseCounts }),
  },
  { $id: "Fleet", description: "The revision in force, the newest commit's validation, the last git sync and host counts by phase" },
);
export type Fleet = Static<typeof FleetSchema>;

export const RevisionsSchema = Type.Object(
  {
    inForce: Nullable(Type.String()),
    revisions: Type.Array(Type.Object({
      revision: Named(RevisionSchema),
      at: Type.String(),
      state: StringEnum(["accepted", "rejected"]),
      errors: Type.Array(Type.String(), { description: "file:line:col: message lines of a rejected revision" }),
      changedHosts: Type.Array(Type.String(), { description: "hosts whose catalog changed with it (accepted only)" }),
    })),
  },
  { $id: "Revisions", description: "The last 50 processed revisions, newest first" },
);
export type Revisions = Static<typeof RevisionsSchema>;
export type RevisionRecord = Revisions["revisions"][number];

const ContentCallSchema = Type.Object({ method: Type.String(), lines: Type.Array(Type.String()) });
const ContentFailureSchema = Type.Object({ method: Type.String({ description: "the call, or sslLogin, read, verify" }), lines: Type.Array(Type.String()), error: Type.String(), code: Type.Optional(Type.String()) });

export const KojiContentStatusSchema = Type.Object(
  {
    declared: Type.Boolean({ description: "whether the revision in force declares koji.content" }),
    policy: StringEnum(["repair", "report"], { description: "koji.content.drift" }),
    gate: Type.Object({ open: Type.Boolean(), reason: Type.String() }, { description: "open while every hub host is Ready at its catalog" }),
    lastRunAt: Nullable(Type.String()),
    revision: Nullable(Type.String({ description: "the revision of the last pass" })),
    convergedRevision: Nullable(Type.String({ description: "the revision the hub last matched: differences found at it are drift" })),
    applied: Type.Array(ContentCallSchema, { description: "the calls the last pass made" }),
    pending: Type.Array(Type.String(), { description: "plan lines left after the last pass (and conflicts)" }),
    drift: Type.Array(Type.String(), { description: "what the last pass found changed by hand at a converged revision" }),
    unmanaged: Type.Array(Type.String()),
    conflicts: Type.Array(Type.String()),
    failures: Type.Array(ContentFailureSchema),
    objects: Type.Array(
      Type.Object({
        path: Type.String(),
        declared: Type.Optional(StringEnum(["present", "absent"], { description: "what git says; none for an unmanaged object" })),
        state: StringEnum(["converged", "pending", "failed", "unmanaged"]),
      }),
      { description: "the declared objects, then the unmanaged ones, with their state" },
    ),
  },
  { description: "Koji's content (koji.content) converged through the hub's API" },
);
export type KojiContentStatus = Static<typeof KojiContentStatusSchema>;

export const KojiSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    lastRunAt: Nullable(Type.String()),
    registeredBuilders: Type.Array(Type.String()),
    kojiraPermitted: Type.Boolean(),
    results: Type.Array(Named(ResourceResultSchema)),
    content: Nullable(KojiContentStatusSchema, { description: "null when the controller converges no Koji objects" }),
  },
  { $id: "Koji", description: "Koji objects converged through the hub's API" },
);
export type Koji = Static<typeof KojiSchema>;

export const EventSchema = ApiForm(FleetEventSchema, { $id: "Event" });
export const EventListSchema = Type.Object({ events: Type.Array(Named(EventSchema)) }, { $id: "EventList", description: "The latest events, oldest first" });
export type EventList = Static<typeof EventListSchema>;

export const EventQuerySchema = Type.Object(
  {
    host: Type.Optional(Type.String({ description: "only this host's events" })),
    type: Type.Optional(Type.String({ description: "only events of this type (see Event.type)" })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
