// The calls of the fake Koji hub (fake-koji-hub.ts) over an in-memory farm: EXACTLY the
// XML-RPC calls koji-fleet makes (the controller's Koji objects, the probes' reads), with
// kojihub's semantics, answer shapes and fault strings (kojihub.py, auth.py at 1.35).
// Logging in and out is the hub's: it owns the sessions.
import type { XmlRpcStruct, XmlRpcValue } from "../../shared/koji/xmlrpc-codec.js";

export interface FakeUser { id: number; name: string; usertype: number; perms: Set<string> }
export interface FakeHost {
  id: number;
  userId: number;
  name: string;
  arches: string;
  capacity: number;
  enabled: boolean;
  /** kojid's last check-in (epoch seconds) and whether it said it is ready; null/false until then. */
  updateTs: number | null;
  ready: boolean;
  description: string | null;
  comment: string | null;
  channels: Set<string>;
}

export const NORMAL = 0;
export const HOST = 1;
const PERMISSIONS = ["admin", "appliance", "dist-repo", "host", "image", "livecd", "maven-import", "regen-repo", "repo", "sign", "tag", "target"];
const CHANNELS = ["default", "createrepo", "maven", "livecd", "appliance", "vm", "image", "livemedia"];
/** koji.AUTHTYPES.SSL: how every session of this hub logged in. */
const AUTHTYPE_SSL = 2;
/** The calls that only read, as the controller's tests name them. */
export const READ_METHODS: ReadonlySet<string> = new Set(["getUser", "getUserPerms", "getHost", "listChannels"]);

export class Fault extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}
/** Koji's GenericError is 1000; AuthError 1002, ActionNotAllowed 1004, AuthExpired 1007, … */
export function fail(msg: string, code = 1000): never {
  throw new Fault(code, msg);
}

export class FakeKojiFarm {
  readonly users = new Map<string, FakeUser>();
  readonly hosts = new Map<string, FakeHost>();
  readonly channels = new Map<string, { id: number; name: string; enabled: boolean }>();
  private nextId = 1;

  constructor() {
    this.addUser("kojiadmin", ["admin"]); // the bootstrap admin, made by SQL on the database host
    CHANNELS.forEach((name) => this.channels.set(name, { id: this.newId(), name, enabled: true }));
  }

  newId(): number {
    return this.nextId++;
  }

  addUser(name: string, perms: string[] = [], usertype = NORMAL): FakeUser {
    const user = { id: this.newId(), name, usertype, perms: new Set(perms) };
    this.users.set(name, user);
    return user;
  }

  /** What addHost leaves behind (a HOST user, channel default, capacity 2.0, enabled), with `over` on top. */
  addHost(name: string, arches: string, over: Partial<Omit<FakeHost, "id" | "name" | "userId">> = {}): FakeHost {
    const u = this.users.get(name) ?? this.addUser(name, [], HOST);
    const h: FakeHost = { id: this.newId(), userId: u.id, name, arches, capacity: 2.0, enabled: true, updateTs: null, ready: false, description: null, comment: null, channels: new Set(["default"]), ...over };
    this.hosts.set(name, h);
    return h;
  }

  private user(info: XmlRpcValue | undefined): FakeUser | undefined {
    return [...this.users.values()].find((u) => u.name === info || u.id === info);
  }
  private host(info: XmlRpcValue | undefined): FakeHost | undefined {
    return [...this.hosts.values()].find((h) => h.name === info || h.id === info);
  }
  private strictHost(info: XmlRpcValue | undefined, msg = `host does not exist: ${String(info)}`): FakeHost {
    return this.host(info) ?? fail(msg);
  }
  private userInfo(u: FakeUser): XmlRpcStruct {
    return { id: u.id, name: u.name, status: 0, usertype: u.usertype, krb_principals: [] };
  }
  private hostInfo(h: FakeHost): XmlRpcStruct {
    return { id: h.id, user_id: h.userId, name: h.name, update_ts: h.updateTs, ready: h.ready, task_load: 0.0, arches: h.arches, capacity: h.capacity, description: h.description, comment: h.comment, enabled: h.enabled };
  }

  /** One call; `me` is the session's user, null when anonymous. A Fault is the hub's answer too. */
  answer(method: string, a: XmlRpcValue[], kw: XmlRpcStruct, me: FakeUser | null): XmlRpcValue {
    const assertPerm = (perm: string) => {
      if (!me) fail(`${perm} permission required (user not logged in)`, 1004);
      if (!me.perms.has(perm) && !me.perms.has("admin")) fail(`${perm} permission required (logged in as ${me.name})`, 1004);
    };
    switch (method) {
      case "getAPIVersion":
        return 1;
      case "getLoggedInUser":
        return me && { ...this.userInfo(me), authtype: AUTHTYPE_SSL, krb_principal: null };
      case "getUser": {
        const u = this.user(a[0] ?? me?.name);
        return u ? this.userInfo(u) : null;
      }
      case "getUserPerms":
        return [...(this.user(a[0] ?? me?.name) ?? fail(a[0] === undefined ? "No user provided" : `No such user: '${String(a[0])}'`)).perms].sort();
      case "createUser": {
        assertPerm("admin");
        if (this.user(a[0])) fail(`user already exists: ${String(a[0])}`);
        return this.addUser(String(a[0])).id;
      }
      case "grantPermission": {
        assertPerm("admin");
        const u = this.user(a[0]) ?? fail(`No such user: '${String(a[0])}'`);
        const perm = String(a[1]);
        if (!PERMISSIONS.includes(perm) && kw.create !== true) fail(`No such entry in table permissions: ${perm}`);
        if (u.perms.has(perm)) fail(`user ${String(a[0])} already has permission: ${perm}`);
        u.perms.add(perm);
        return null;
      }
      case "getHost": {
        const h = this.host(a[0]);
        return h ? this.hostInfo(h) : null;
      }
      case "listHosts":
        return [...this.hosts.values()].filter((h) => (kw.enabled === undefined || h.enabled === kw.enabled) && (kw.ready === undefined || h.ready === kw.ready)).map((h) => this.hostInfo(h));
      case "addHost": {
        assertPerm("host");
        const name = String(a[0]);
        if (this.host(name)) fail(`host already exists: ${name}`);
        const existing = this.user(name);
        if (existing && existing.usertype !== HOST) {
          if (kw.force === true && existing.usertype === NORMAL) existing.usertype = HOST;
          else fail(`user ${name} already exists and it is not a host`);
        }
        return this.addHost(name, (a[1] as string[]).join(" ")).id;
      }
      case "editHost": {
        assertPerm("host");
        const h = this.strictHost(a[0], `Invalid hostInfo: ${String(a[0])}`) as unknown as Record<string, XmlRpcValue>;
        const changes = (["arches", "capacity", "description", "comment"] as const).filter((f) => f in kw && kw[f] !== h[f]);
        for (const f of changes) h[f] = kw[f] as XmlRpcValue;
        return changes.length > 0;
      }
      case "enableHost":
      case "disableHost":
        assertPerm("host");
        this.strictHost(a[0]).enabled = method === "enableHost";
        return null;
      case "listChannels": {
        const hostID = kw.hostID ?? a[0];
        const names = hostID == null ? [...this.channels.keys()] : [...(this.host(hostID) ?? fail(`Invalid hostInfo: ${String(hostID)}`)).channels];
        return names.map((n) => ({ ...this.channels.get(n)!, description: null, comment: null }));
      }
      case "addHostToChannel": {
        assertPerm("host");
        const h = this.strictHost(a[0]);
        const name = String(a[1]);
        if (!this.channels.has(name) && kw.create === true) this.channels.set(name, { id: this.newId(), name, enabled: true });
        const ch = this.channels.get(name) ?? fail(`channel does not exist: ${name}`);
        if (!ch.enabled && kw.force !== true) fail(`channel ${name} is disabled`);
        if (h.channels.has(name)) fail(`host ${h.name} is already subscribed to the ${name} channel`);
        h.channels.add(name);
        return null;
      }
      case "removeHostFromChannel": {
        assertPerm("host");
        const h = this.strictHost(a[0]);
        const name = String(a[1]);
        if (!this.channels.has(name)) fail(`channel does not exist: ${name}`);
        if (!h.channels.delete(name)) fail(`host ${h.name} is not subscribed to the ${name} channel`);
        return null;
      }
      default:
        return fail(`Invalid method: ${method}`);
    }
  }
}
