// `gate`: a condition only the controller can satisfy, e.g. "this builder is registered in
// Koji" (kojid's first login must come after addHost, docs/pitfalls.md#pitfall-2). The controller opens
// the gate by publishing a catalog with `open: true`; until then the gate fails as Waiting
// and everything that requires it is skipped, so kojid is never started early.
import { Type, type Static } from "@sinclair/typebox";
import type { Kind } from "./kind.js";

export const GatePropsSchema = Type.Object(
  {
    name: Type.String({ pattern: "^[a-z0-9][a-z0-9-]{0,62}$" }),
    open: Type.Boolean(),
    /** What the gate waits for, shown while it is closed. */
    waitingFor: Type.String({ minLength: 1, maxLength: 300 }),
  },
  { additionalProperties: false },
);
export type GateProps = Static<typeof GatePropsSchema>;

export class GateClosedError extends Error {
  override name = "GateClosedError";
  readonly code = "KF_ERR_NOT_READY";
}

export const gateKind: Kind<GateProps, null> = {
  name: "gate",
  schema: GatePropsSchema,
  // In sandbox nothing it guards is applied (services, registrations), so it only reports.
  appliesInSandbox: false,
  summary: (props) => `gate ${props.name} (${props.open ? "open" : `closed: waiting for ${props.waitingFor}`})`,
  async observe() {
    return null;
  },
  diff: (props) => (props.open ? [] : [`gate ${props.name} closed: waiting for ${props.waitingFor}`]),
  async apply(props) {
    throw new GateClosedError(`gate ${props.name} closed: waiting for ${props.waitingFor}`);
  },
};
