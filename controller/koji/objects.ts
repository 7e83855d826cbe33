// Koji objects the controller owns, and the pure planner that turns (desired, observed) into
// the hub calls that close the gap, and nothing else: read, diff, write only what differs.
// The calls and their order are koji-ansible's koji_host module and Koji's server howto (https://docs.pagure.org/koji/server_howto/).
import { hostsWith, type ResolvedFleet } from "../config/defaults.js";
import type { KojiHost, KojiUser } from "../../shared/koji/calls.js";
import { kwargs, XmlRpcDouble, type XmlRpcValue } from "../../shared/koji/xmlrpc-codec.js";

export interface DesiredBuilder {
  /** The Koji host name: the builder's FQDN, equal to its certificate CN (docs/pitfalls.md#pitfall-2). */
  readonly name: string;
  readonly arches: readonly string[];
  readonly channels: readonly string[];
  readonly capacity: number;
  readonly enabled: boolean;
}

export interface DesiredKojiObjects {
  /** Gets the `repo` permission: only kojira turns repo requests into tasks (docs/pitfalls.md#pitfall-4). */
  readonly kojiraUser: string;
  readonly builders: readonly DesiredBuilder[];
}

/** A user as getUser reads it. */
export type ObservedUser = KojiUser;

/** A host as getHost reads it, with the channels it is in. */
export interface ObservedHost extends KojiHost {
  readonly channels: readonly string[];
}

/**
 * What the hub said. A name mapped to null was read and does not exist. `hosts` must hold only
 * hosts koji-fleet owns (desired ones and its inventory): any other present host is one that
 * was removed from fleet.yaml, and gets disabled.
 */
export interface ObservedKojiObjects {
  readonly users: Readonly<Record<string, ObservedUser | null>>;
  readonly perms: Readonly<Record<string, readonly string[]>>;
  readonly hosts: Readonly<Record<string, ObservedHost | null>>;
}

export type KojiWriteMethod =
  | "createUser"
  | "grantPermission"
  | "addHost"
  | "editHost"
  | "addHostToChannel"
  | "removeHostFromChannel"
  | "enableHost"
  | "disableHost";

/** One hub call. `id` is the resource it belongs to: koji-user:<name> or koji-host:<fqdn>. */
export interface KojiAction {
  readonly id: string;
  readonly method: KojiWriteMethod;
  readonly params: readonly XmlRpcValue[];
  /** e.g. "addHost cs10-koji-03.mx-os [x86_64]". */
  readonly description: string;
}

export const KOJIRA_PERMISSION = "repo";
export const userId = (name: string): string => `koji-user:${name}`;
export const hostId = (name: string): string => `koji-host:${name}`;

/** What addHost leaves behind (kojihub addHost; schema.sql host_config defaults). */
const NEW_HOST: Omit<ObservedHost, "id" | "name" | "arches"> = { capacity: 2.0, enabled: true, channels: ["default"] };
const CAPACITY_EPSILON = 1e-9;

const sameArches = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));
const splitArches = (arches: string): string[] => arches.split(/\s+/).filter((a) => a !== "");

export function planKojiObjects(desired: DesiredKojiObjects, observed: ObservedKojiObjects): KojiAction[] {
  return [
    ...planKojira(desired.kojiraUser, observed),
    ...desired.builders.flatMap((b) => planBuilder(b, observed.hosts[b.name] ?? null)),
    ...planRetired(new Set(desired.builders.map((b) => b.name)), observed.hosts),
  ];
}

function planKojira(name: string, observed: ObservedKojiObjects): KojiAction[] {
  const id = userId(name);
  const exists = observed.users[name] != null;
  const actions: KojiAction[] = [];
  if (!exists) actions.push({ id, method: "createUser", params: [name], description: `createUser ${name}` });
  if (!exists || !(observed.perms[name] ?? []).includes(KOJIRA_PERMISSION)) {
    actions.push({ id, method: "grantPermission", params: [name, KOJIRA_PERMISSION], description: `grantPermission ${name} ${KOJIRA_PERMISSION}` });
  }
  return actions;
}

function planBuilder(b: DesiredBuilder, host: ObservedHost | null): KojiAction[] {
  const id = hostId(b.name);
  const act = (method: KojiWriteMethod, params: XmlRpcValue[], what: string): KojiAction => ({ id, method, params, description: `${method} ${b.name}${what}` });
  const actions: KojiAction[] = [];
  // Diff a missing host against what addHost will create, so one pass plans the whole sequence.
  const now: Omit<ObservedHost, "id" | "name"> = host ?? { ...NEW_HOST, arches: b.arches.join(" ") };
  if (!host) actions.push(act("addHost", [b.name, [...b.arches]], ` [${b.arches.join(" ")}]`));

  const edits: Record<string, XmlRpcValue> = {};
  const said: string[] = [];
  if (!sameArches(splitArches(now.arches), b.arches)) {
    edits.arches = b.arches.join(" ");
    said.push(`arches ${now.arches} → ${b.arches.join(" ")}`);
  }
  if (Math.abs(now.capacity - b.capacity) > CAPACITY_EPSILON) {
    // A double: host_config.capacity is FLOAT, and Koji compares the value it is given.
    edits.capacity = new XmlRpcDouble(b.capacity);
    said.push(`capacity ${now.capacity} → ${b.capacity}`);
  }
  if (said.length > 0) actions.push(act("editHost", [b.name, kwargs(edits)], ` ${said.join(", ")}`));

  for (const ch of b.channels.filter((c) => !now.channels.includes(c))) {
    actions.push(act("addHostToChannel", [b.name, ch, kwargs({ create: true })], ` ${ch}`));
  }
  for (const ch of now.channels.filter((c) => !b.channels.includes(c))) {
    actions.push(act("removeHostFromChannel", [b.name, ch], ` ${ch}`));
  }
  if (now.enabled !== b.enabled) actions.push(act(b.enabled ? "enableHost" : "disableHost", [b.name], ""));
  return actions;
}

/** Removed from git: disabled, never deleted (Koji keeps its tasks and buildroots). */
function planRetired(desired: ReadonlySet<string>, hosts: ObservedKojiObjects["hosts"]): KojiAction[] {
  return Object.values(hosts)
    .filter((h): h is ObservedHost => h !== null && !desired.has(h.name) && h.enabled)
    .map((h) => ({ id: hostId(h.name), method: "disableHost", params: [h.name], description: `disableHost ${h.name} (no longer in fleet.yaml)` }));
}

/** The Koji objects a fleet asks for: kojira's user and every builder host, enabled. */
export function desiredKojiObjects(fleet: ResolvedFleet): DesiredKojiObjects {
  return {
    kojiraUser: fleet.koji.kojiraUser,
    builders: hostsWith(fleet, "builder").map((h) => {
      const s = h.builder ?? fleet.koji.builders;
      return { name: h.fqdn, arches: [...s.arches], channels: [...s.channels], capacity: s.capacity, enabled: true };
    }),
  };
}
