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

export const KojiSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    lastRunAt: Nullable(Type.String()),
    registeredBuilders: Type.Array(Type.String()),
    kojiraPermitted: Type.Boolean(),
    results: Type.Array(Named(ResourceResultSchema)),
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
