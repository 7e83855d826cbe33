// What the API says about hosts: the view the controller derives for each (HostView), one
// host in detail, and the snapshot the event stream sends the dashboard.
import { Type, type Static } from "@sinclair/typebox";
import { HOST_NAME_PATTERN } from "../names.js";
import { ConditionSchema as WireCondition, HostStatusSchema, ProbeResultSchema as WireProbeResult, ResourceResultSchema as WireResourceResult } from "../protocol.js";
import { HostPhaseSchema } from "./phases.js";
import { ApiForm, Nullable, Named, StringEnum } from "./schema-kit.js";

export const ConditionSchema = ApiForm(WireCondition, { $id: "Condition" });
export const ResourceResultSchema = ApiForm(WireResourceResult, { $id: "ResourceResult" });
export const ProbeResultSchema = ApiForm(WireProbeResult, { $id: "ProbeResult" });

const NullableString = Nullable(Type.String());

export const HostViewSchema = Type.Object(
  {
    host: Type.String({ pattern: HOST_NAME_PATTERN }),
    roles: Type.Array(Type.String()),
    phase: HostPhaseSchema,
    /** The fleet revision this host is at: the one it should be at when its applied content matches. */
    revision: Nullable(Type.String(), { description: "the fleet revision this host is at (applied): desiredRevision when its applied content equals the content compiled for it, else the revision of its last applied catalog" }),
    desiredRevision: Nullable(Type.String(), { description: "the fleet revision this host should be at: its pin's, the fleet-wide rollback's, else the revision in force" }),
    held: Nullable(Type.Object({
      kind: StringEnum(["pinned", "rolled-back"]),
      revision: Type.String(),
      by: Type.String({ description: "who pinned or rolled back: the admin client certificate's CN, else \"api\"" }),
      since: Type.String(),
    }), { description: "set while a pin or the fleet-wide rollback keeps this host away from the revision in force" }),
    desired: Nullable(Type.Object({ revision: Type.String(), generation: Type.Integer(), digest: Type.String(), issuedAt: Type.String() })),
    applied: ApiForm(HostStatusSchema.properties.applied),
    agentVersion: NullableString,
    lastSeen: NullableString,
    conditions: Type.Array(Named(ConditionSchema), { description: "Ready first (reason, message, since), then the agent's own" }),
    resources: Type.Object({ total: Type.Integer(), changed: Type.Integer(), failed: Type.Integer(), wouldChange: Type.Integer() }),
    failing: Type.Object({
      resources: Type.Array(Type.Object({ id: Type.String(), error: Type.String() })),
      probes: Type.Array(Type.Object({ id: Type.String(), output: Type.String(), since: Type.String() })),
    }),
  },
  { $id: "HostView", description: "What the controller says about one host, from its desired catalog and its agent's last status" },
);
export type HostView = Static<typeof HostViewSchema>;

export const HostListSchema = Type.Object({ hosts: Type.Array(Named(HostViewSchema)) }, { $id: "HostList", description: "Every host's view, sorted by name" });
export type HostList = Static<typeof HostListSchema>;

export const HostDetailSchema = Type.Object(
  {
    ...HostViewSchema.properties,
    catalog: Nullable(Type.Object({
      revision: Type.String(),
      generation: Type.Integer(),
      digest: Type.String(),
      resources: Type.Array(Type.Object({ id: Type.String(), kind: Type.String() })),
      probes: Type.Array(Type.String()),
    })),
    results: Type.Array(Named(ResourceResultSchema)),
    probes: Type.Array(Named(ProbeResultSchema)),
  },
  { $id: "HostDetail", description: "A HostView plus its catalog, the last converge's results and its probes" },
);
export type HostDetail = Static<typeof HostDetailSchema>;

export const GraphEdgeSchema = Type.Object({
  /** The host that waits… */
  from: Type.String(),
  /** …for this one, which holds `role`. */
  to: Type.String(),
  role: Type.String(),
});
export type GraphEdge = Static<typeof GraphEdgeSchema>;

export const HostsSnapshotSchema = Type.Object(
  { hosts: Type.Array(Named(HostViewSchema)), edges: Type.Array(GraphEdgeSchema) },
  { $id: "HostsSnapshot", description: "`event: hosts` of GET /api/v1/events/stream: every host view and who waits for whom" },
);
export type HostsSnapshot = Static<typeof HostsSnapshotSchema>;
