// `firewall`: services and ports that must be open in a firewalld zone, in both the runtime
// and the permanent configuration. "Present" semantics only: whatever else the zone allows
// (ssh, cockpit, another team's ports) is left alone, so two resources (or a human) can
// share a zone. Closing something is not this kind's job.
import { Type, type Static } from "@sinclair/typebox";
import { addToZone, portOpen, readZone, requireRunning, type Layer, type ZoneState } from "../providers/firewalld.js";
import type { Kind } from "./kind.js";

const Service = Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$" });
const Port = Type.String({ pattern: "^[0-9]{1,5}(-[0-9]{1,5})?/(tcp|udp|sctp|dccp)$" });

export const FirewallPropsSchema = Type.Object(
  {
    zone: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_.-]{1,64}$" })),
    /** firewalld service names ("https", "nfs", "postgresql"). */
    services: Type.Optional(Type.Array(Service, { maxItems: 256, uniqueItems: true })),
    /** "443/tcp", "60000-61000/udp". */
    ports: Type.Optional(Type.Array(Port, { maxItems: 256, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type FirewallProps = Static<typeof FirewallPropsSchema>;

export interface FirewallObserved {
  runtime: ZoneState;
  permanent: ZoneState;
}

const LAYERS: readonly Layer[] = ["permanent", "runtime"];
const zoneOf = (p: FirewallProps): string => p.zone ?? "public";

/** Per layer, what is missing there; diff and apply both read this. */
function missing(props: FirewallProps, obs: FirewallObserved): Record<Layer, { services: string[]; ports: string[] }> {
  const per = (s: ZoneState) => ({
    services: (props.services ?? []).filter((x) => !s.services.includes(x)),
    ports: (props.ports ?? []).filter((x) => !portOpen(x, s.ports)),
  });
  return { permanent: per(obs.permanent), runtime: per(obs.runtime) };
}

function lines(props: FirewallProps, obs: FirewallObserved): string[] {
  const m = missing(props, obs);
  const out: string[] = [];
  const where = (what: "services" | "ports", item: string) => LAYERS.filter((l) => m[l][what].includes(item)).join(" and ");
  for (const s of props.services ?? []) {
    const w = where("services", s);
    if (w) out.push(`open service ${s} in zone ${zoneOf(props)} (${w})`);
  }
  for (const p of props.ports ?? []) {
    const w = where("ports", p);
    if (w) out.push(`open port ${p} in zone ${zoneOf(props)} (${w})`);
  }
  return out;
}

export const firewallKind: Kind<FirewallProps, FirewallObserved> = {
  name: "firewall",
  schema: FirewallPropsSchema,
  appliesInSandbox: false,
  platforms: ["el", "fedora"],
  summary: (p) => `firewalld zone ${zoneOf(p)}: open ${[...(p.services ?? []), ...(p.ports ?? [])].join(", ") || "nothing"}`,

  async observe(props, ctx) {
    const t = { exec: ctx.exec, signal: ctx.signal };
    await requireRunning(t);
    return { runtime: await readZone(t, zoneOf(props), "runtime"), permanent: await readZone(t, zoneOf(props), "permanent") };
  },

  diff: lines,

  async apply(props, observed, ctx) {
    const t = { exec: ctx.exec, signal: ctx.signal };
    const m = missing(props, observed);
    // Permanent first: if firewalld rejects a name there (INVALID_SERVICE), nothing changed
    // at all, rather than a runtime rule that silently vanishes at the next reload.
    for (const layer of LAYERS) await addToZone(t, zoneOf(props), layer, m[layer].services, m[layer].ports);
  },
};
