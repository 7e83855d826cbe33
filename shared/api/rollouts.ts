// Changing what hosts run: the current rollout, live plans, pins and the fleet-wide rollback.
import { Type, type Static } from "@sinclair/typebox";
import { HOST_NAME_PATTERN } from "../names.js";
import { HostViewSchema, ResourceResultSchema } from "./hosts.js";
import { RolloutPhaseSchema } from "./phases.js";
import { Nullable, Named, StringEnum } from "./schema-kit.js";

const Since = Type.Object({ message: Type.String(), since: Type.String() });

export const RolloutSchema = Type.Object(
  {
    revision: Type.String(),
    startedAt: Type.String(),
    completedAt: Type.Optional(Type.String({ description: "when every host it changed had applied its catalog and was Ready (or was excused), its start when it changed none; absent until then, and for a rollout superseded or aborted" })),
    targets: Type.Array(
      Type.Object({
        host: Type.String(),
        digest: Type.String(),
        batched: Type.Boolean(),
        revision: Type.String({ description: "the revision this host's new catalog was compiled from: the rollout's, or its pin's or the fleet-wide rollback's" }),
        held: HostViewSchema.properties.held,
        neutralFrom: Type.Optional(Nullable(Type.String({ description: "the digest this catalog replaces when the change only rewrites the text of files that refresh nothing: the hosts waiting for this one need it Ready at either" }))),
      }),
    ),
    published: Type.Record(Type.String(), Type.String(), { description: "host → when its new catalog was published" }),
    phase: RolloutPhaseSchema,
    halt: Nullable(Type.Object({ host: Type.String(), message: Type.String(), since: Type.String() })),
    maxUnavailable: Type.Integer(),
    excused: Type.Array(Type.String(), { description: "hosts a person resumed past" }),
    waiting: Type.Record(Type.String(), Since, { description: "host → why it waits, and since when" }),
  },
  { $id: "Rollout", description: "The current rollout and who waits for whom" },
);
export type RolloutView = Static<typeof RolloutSchema>;

export const RolloutActionSchema = Type.Object({ phase: RolloutPhaseSchema }, { $id: "RolloutAction", description: "The rollout's phase after the action" });
export type RolloutAction = Static<typeof RolloutActionSchema>;

export const HostParamsSchema = Type.Object({ host: Type.String({ pattern: HOST_NAME_PATTERN }) });

export const RevisionRequestSchema = Type.Object({
  revision: Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._/^~-]{0,199}$", description: "a commit, branch or tag" }),
});
export type RevisionRequest = Static<typeof RevisionRequestSchema>;

const By = Type.String({ description: "who set it: the admin client certificate's CN, else \"api\"" });

export const PinsSchema = Type.Object(
  {
    hosts: Type.Record(Type.String(), Type.Object({ revision: Type.String(), since: Type.String(), by: By }), { description: "host → the revision (full sha) it is kept at" }),
    rollback: Nullable(Type.Object({
      revision: Type.String(),
      atHead: Type.String({ description: "the head when the rollback was made: a commit other than this one ends it" }),
      since: Type.String(),
      by: By,
    })),
  },
  { $id: "Pins", description: "Pinned hosts and the fleet-wide rollback, if any" },
);
export type Pins = Static<typeof PinsSchema>;

export const PlanSchema = Type.Object(
  {
    revision: Type.String(),
    hosts: Type.Array(Type.Object({
      host: Type.String(),
      revision: Type.String(),
      status: StringEnum(["changes", "none", "error"], { description: "changes: something would change; none: in sync; error: no answer or a refusal" }),
      changes: Type.Array(Named(ResourceResultSchema)),
      error: Type.Optional(Type.String()),
    })),
    unchanged: Type.Array(Type.String(), { description: "hosts whose catalog the revision does not change (not asked)" }),
    removed: Type.Array(Type.String(), { description: "hosts the revision removes from the fleet" }),
    koji: Type.Optional(
      Type.Object(
        {
          lines: Type.Array(Type.String(), { description: "the hub calls the revision's koji.content would make now, as `koji-fleet plan` prints them (unmanaged objects and conflicts too)" }),
          error: Type.Optional(Type.String({ description: "why the hub could not be read" })),
        },
        { description: "Koji's content planned against the live hub; absent when the revision declares no koji.content or the controller converges no Koji objects" },
      ),
    ),
  },
  { $id: "Plan", description: "What a revision would change on each host, computed against the live agents" },
);
export type Plan = Static<typeof PlanSchema>;
