// Typed reads of what koji-fleet asks a hub, the answer's shape checked (kojihub.py at 1.35:
// getUser, getUserPerms, getHost, listChannels). A hub answering something else is an error
// naming the call, never a value taken on trust. Writes are planned as data
// (controller/koji/objects.ts) and sent through KojiCaller.call as they are.
import { FleetError } from "../errors.js";
import { kwargs, type XmlRpcResult, type XmlRpcValue } from "./xmlrpc-codec.js";

/** What a typed call needs: a session (KojiSession) or anything that calls like one. */
export interface KojiCalls {
  call(method: string, ...params: XmlRpcValue[]): Promise<XmlRpcResult>;
}

export interface KojiUser {
  readonly id: number;
  readonly name: string;
  /** 0 NORMAL, 1 HOST, 2 GROUP (koji.USERTYPES). */
  readonly usertype: number;
}

export interface KojiHost {
  readonly id: number;
  readonly name: string;
  /** As the hub stores it: space separated, e.g. "x86_64 aarch64". */
  readonly arches: string;
  readonly capacity: number;
  readonly enabled: boolean;
}

const unexpected = (method: string, value: unknown) => new FleetError("KF_ERR_RESOURCE", `${method}: unexpected answer from the hub: ${JSON.stringify(value)?.slice(0, 200)}`);

function struct(v: XmlRpcResult, method: string): Record<string, XmlRpcResult> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw unexpected(method, v);
  return v;
}
function num(v: XmlRpcResult | undefined, method: string): number {
  if (typeof v !== "number") throw unexpected(method, v);
  return v;
}

/** The user, or null when there is none by that name. */
export async function getUser(hub: KojiCalls, name: string): Promise<KojiUser | null> {
  const answer = await hub.call("getUser", name);
  if (answer === null) return null;
  const u = struct(answer, "getUser");
  return { id: num(u.id, "getUser"), name, usertype: num(u.usertype ?? 0, "getUser") };
}

/** The user's permissions; without a name, the logged-in user's (group permissions included). A missing user is a fault. */
export async function getUserPerms(hub: KojiCalls, name?: string): Promise<string[]> {
  const answer = await (name === undefined ? hub.call("getUserPerms") : hub.call("getUserPerms", name));
  if (!Array.isArray(answer) || !answer.every((x) => typeof x === "string")) throw unexpected("getUserPerms", answer);
  return answer as string[];
}

/** The host, or null when there is none by that name. */
export async function getHost(hub: KojiCalls, name: string): Promise<KojiHost | null> {
  const answer = await hub.call("getHost", name);
  if (answer === null) return null;
  const h = struct(answer, "getHost");
  return { id: num(h.id, "getHost"), name, arches: String(h.arches ?? ""), capacity: num(h.capacity, "getHost"), enabled: h.enabled === true };
}

/** Names of the channels a host is in. */
export async function hostChannels(hub: KojiCalls, hostId: number): Promise<string[]> {
  const answer = await hub.call("listChannels", kwargs({ hostID: hostId }));
  if (!Array.isArray(answer)) throw unexpected("listChannels", answer);
  return answer.map((c) => String(struct(c, "listChannels").name));
}
