// The controller as a service: liveness, readiness, the git webhook's answers, a standby's
// answers (controller/http/standby.ts) and the OpenAPI document itself.
import { Type, type Static } from "@sinclair/typebox";
import { Nullable, StringEnum } from "./schema-kit.js";

export const HealthSchema = Type.Object({ status: StringEnum(["ok"]) }, { $id: "Health" });
export const ReadySchema = Type.Object({ status: StringEnum(["ready"]) }, { $id: "Ready" });

export const AcceptedSchema = Type.Object({ accepted: Type.Boolean() }, { $id: "Accepted", description: "The request is taken: a git fetch follows" });
export type Accepted = Static<typeof AcceptedSchema>;

/** A delivery the webhook does not act on: seen before, GitHub's ping, or another event. */
export const WebhookAnswerSchema = Type.Union(
  [
    Type.Object({ duplicate: Type.Boolean() }, { description: "a delivery id seen among the last 1000: no fetch" }),
    Type.Object({ pong: Type.Boolean() }, { description: "GitHub's ping" }),
    Type.Object({ ignored: Type.String({ description: "the event" }) }, { description: "an event other than a push" }),
  ],
  { $id: "WebhookAnswer" },
);

/** The OpenAPI document; only its top is described. */
export const OpenApiSchema = Type.Object(
  { openapi: Type.String(), info: Type.Record(Type.String(), Type.Unknown()), paths: Type.Record(Type.String(), Type.Unknown()) },
  { $id: "OpenApi", additionalProperties: true },
);

export const StandbyHealthSchema = Type.Object({ status: StringEnum(["ok"]), role: StringEnum(["standby"]), id: Type.String() });

/** The leader lease as a standby reads it (controller/nats/leader-lease.ts). */
export const LeaderSchema = Type.Object({
  id: Type.String({ description: "this standby's name" }),
  role: StringEnum(["standby"]),
  leader: Nullable(Type.Object({
    holder: Type.String(),
    incarnation: Type.String(),
    term: Type.Integer(),
    acquiredAt: Type.String(),
    renewedAt: Type.String(),
    ttlMs: Type.Number(),
  })),
});
export type Leader = Static<typeof LeaderSchema>;
