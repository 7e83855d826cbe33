// Pins and the fleet-wide rollback: a pinned host is kept at the catalog compiled from its
// revision (published as a new generation) until the pin is removed; a rollback does the
// same for every host until a commit newer than the head it was made at is accepted.
// Kept in the kf-controller bucket so a restarted controller still respects them.
import type { KV } from "@nats-io/kv";
import type { CatalogContent, EventType, FleetEvent } from "../../shared/protocol.js";
import type { HostView } from "../../shared/api/hosts.js";

/** Key in kf-controller (beside CONTROLLER_KEYS). */
export const PINS_KEY = "pins";

export interface RollbackState {
  /** The revision every host is kept at. */
  revision: string;
  /** The head when the rollback was made: a commit other than this one ends it. */
  atHead: string;
  since: string;
  /** Who made it: the admin client certificate's CN, else "api". */
  by: string;
}

export interface PinsState {
  /** host → revision (full sha) */
  hosts: Record<string, { revision: string; since: string; by: string }>;
  rollback: RollbackState | null;
}

/** Who set a pin or rollback that a release before `by` existed recorded. */
const UNKNOWN_AUTHOR = "api";

/** What a host's view says about the pin or rollback that holds it; null: it follows head. */
export type Held = NonNullable<HostView["held"]>;

export class Pins {
  private data: PinsState = { hosts: {}, rollback: null };

  constructor(private readonly kv: KV | null) {}

  async load(): Promise<void> {
    const e = await this.kv?.get(PINS_KEY);
    if (!e || e.operation !== "PUT") return;
    try {
      const v = e.json<PinsState>();
      const hosts = Object.fromEntries(Object.entries(v.hosts ?? {}).map(([h, p]) => [h, { ...p, by: p.by ?? UNKNOWN_AUTHOR }]));
      this.data = { hosts, rollback: v.rollback ? { ...v.rollback, by: v.rollback.by ?? UNKNOWN_AUTHOR } : null };
    } catch {
      // An unreadable record pins nothing.
    }
  }

  private async save(): Promise<void> {
    await this.kv?.put(PINS_KEY, JSON.stringify(this.data));
  }

  get state(): PinsState {
    return this.data;
  }

  /** The revision a host is held at (its pin first, then the rollback), or null: head. */
  revisionFor(host: string): string | null {
    return this.data.hosts[host]?.revision ?? this.data.rollback?.revision ?? null;
  }

  /** The pin or rollback behind `revisionFor(host)`. */
  heldBy(host: string): Held | null {
    const pin = this.data.hosts[host];
    if (pin) return { kind: "pinned", ...pin };
    const r = this.data.rollback;
    return r ? { kind: "rolled-back", revision: r.revision, by: r.by, since: r.since } : null;
  }

  get active(): boolean {
    return Object.keys(this.data.hosts).length > 0 || this.data.rollback !== null;
  }

  async pin(host: string, revision: string, since: string, by: string): Promise<void> {
    this.data.hosts[host] = { revision, since, by };
    await this.save();
  }

  /** False when the host was not pinned. */
  async unpin(host: string): Promise<boolean> {
    if (!this.data.hosts[host]) return false;
    delete this.data.hosts[host];
    await this.save();
    return true;
  }

  async rollback(revision: string, atHead: string, since: string, by: string): Promise<void> {
    this.data.rollback = { revision, atHead, since, by };
    await this.save();
  }

  /** Ends the rollback; null when there was none. */
  async cancelRollback(): Promise<RollbackState | null> {
    const r = this.data.rollback;
    if (!r) return null;
    this.data.rollback = null;
    await this.save();
    return r;
  }

  /** Ends the rollback when `head` is a newer commit than the one it was made at. */
  async headAccepted(head: string): Promise<RollbackState | null> {
    const r = this.data.rollback;
    if (!r || r.atHead === head) return null;
    this.data.rollback = null;
    await this.save();
    return r;
  }
}

/** A revision's compiled contents as the pins hold them. */
export interface HeldContents {
  contents: CatalogContent[];
  /** host → the revision its content comes from, for hosts held away from head. */
  revisionOf: Map<string, string>;
  /** Hosts whose pinned revision is invalid or lacks them: they follow head. */
  followingHead: { host: string; revision: string }[];
}

/** The revisions other than head that held hosts need compiled, in the order hosts first need them. */
export function pinnedRevisions(hosts: readonly string[], head: string, revisionFor: (host: string) => string | null): string[] {
  const out = new Set<string>();
  for (const host of hosts) {
    const rev = revisionFor(host);
    if (rev && rev !== head) out.add(rev);
  }
  return [...out];
}

/**
 * Pure: each held host gets its revision's content instead of head's.
 * @param compiledAt  the contents of each revision of `pinnedRevisions`; null when it is invalid
 */
export function holdPinned(compiled: readonly CatalogContent[], head: string, revisionFor: (host: string) => string | null, compiledAt: ReadonlyMap<string, readonly CatalogContent[] | null>): HeldContents {
  const held: HeldContents = { contents: [], revisionOf: new Map(), followingHead: [] };
  for (const c of compiled) {
    const rev = revisionFor(c.host);
    const pinned = rev && rev !== head ? compiledAt.get(rev)?.find((x) => x.host === c.host) : undefined;
    if (!rev || rev === head) held.contents.push(c);
    else if (!pinned) {
      held.followingHead.push({ host: c.host, revision: rev });
      held.contents.push(c);
    } else {
      held.contents.push(pinned);
      held.revisionOf.set(c.host, rev);
    }
  }
  return held;
}

/** What the HTTP API does with pins; each answer is a result or an error with its code. */
export type PinResult = { ok: true; state: PinsState } | { ok: false; code: "KF_ERR_NOT_FOUND" | "KF_ERR_CONFIG_INVALID" | "KF_ERR_CONFLICT" | "KF_ERR_GIT"; message: string };

/** `by`: who asks (the admin client certificate's CN, else "api"). */
export interface PinControl {
  state(): PinsState;
  pin(host: string, rev: string, by: string): Promise<PinResult>;
  unpin(host: string, by: string): Promise<PinResult>;
  rollback(rev: string, by: string): Promise<PinResult>;
  cancelRollback(by: string): Promise<PinResult>;
}

export interface PinControlDeps {
  pins: Pins;
  /** The reconciler's compiler and "apply the revision in force again". */
  compileAt(rev: string): Promise<{ ok: true; revision: { sha: string }; catalogs: { host: string }[] } | { ok: false; revision: { sha: string; shortSha: string }; errors: unknown[] }>;
  recompile(): Promise<void>;
  /** The head in force (last good revision), null before the first accepted one. */
  head(): string | null;
  inFleet(host: string): boolean;
  now(): string;
  /** Records a controller event (state, API, bus). */
  emit(type: EventType, severity: FleetEvent["severity"], message: string, extra: { host?: string; revision?: string; data?: Record<string, unknown> }): void;
}

const short = (sha: string): string => sha.slice(0, 12);

export function pinControl(d: PinControlDeps): PinControl {
  const resolve = async (rev: string, host?: string): Promise<{ sha: string } | Exclude<PinResult, { ok: true }>> => {
    let compiled: Awaited<ReturnType<PinControlDeps["compileAt"]>>;
    try {
      compiled = await d.compileAt(rev);
    } catch (err) {
      return { ok: false, code: "KF_ERR_NOT_FOUND", message: `no revision ${rev} in the controller's mirror: ${(err as Error).message}` };
    }
    if (!compiled.ok) return { ok: false, code: "KF_ERR_CONFIG_INVALID", message: `fleet.yaml at ${compiled.revision.shortSha} is invalid` };
    if (host && !compiled.catalogs.some((c) => c.host === host)) return { ok: false, code: "KF_ERR_NOT_FOUND", message: `host ${host} is not in the fleet at ${rev}` };
    return { sha: compiled.revision.sha };
  };
  return {
    state: () => d.pins.state,
    async pin(host, rev, by) {
      if (!d.inFleet(host)) return { ok: false, code: "KF_ERR_NOT_FOUND", message: `host ${host} is not in the fleet` };
      const r = await resolve(rev, host);
      if (!("sha" in r)) return r;
      await d.pins.pin(host, r.sha, d.now(), by);
      d.emit("host-pinned", "info", `${host} pinned to ${short(r.sha)} by ${by}: pushes do not move it until it is unpinned`, { host, revision: r.sha, data: { by } });
      await d.recompile();
      return { ok: true, state: d.pins.state };
    },
    async unpin(host, by) {
      const was = d.pins.state.hosts[host];
      if (!was || !(await d.pins.unpin(host))) return { ok: false, code: "KF_ERR_NOT_FOUND", message: `host ${host} is not pinned` };
      d.emit("host-unpinned", "info", `${host} unpinned by ${by} (pinned to ${short(was.revision)} by ${was.by} since ${was.since}): it follows the revision in force again`, { host, revision: was.revision, data: { by, pinnedBy: was.by, pinnedSince: was.since } });
      await d.recompile();
      return { ok: true, state: d.pins.state };
    },
    async rollback(rev, by) {
      const head = d.head();
      if (!head) return { ok: false, code: "KF_ERR_CONFLICT", message: "no revision has been accepted yet" };
      const r = await resolve(rev);
      if (!("sha" in r)) return r;
      await d.pins.rollback(r.sha, head, d.now(), by);
      d.emit("rollback-started", "info", `fleet rolled back to ${short(r.sha)} by ${by} until a commit newer than ${short(head)} is accepted`, { revision: r.sha, data: { by, atHead: head } });
      await d.recompile();
      return { ok: true, state: d.pins.state };
    },
    async cancelRollback(by) {
      const ended = await d.pins.cancelRollback();
      if (!ended) return { ok: false, code: "KF_ERR_NOT_FOUND", message: "no fleet-wide rollback is in force" };
      d.emit("rollback-ended", "info", `rollback to ${short(ended.revision)} (by ${ended.by} since ${ended.since}) cancelled by ${by}: hosts follow the revision in force again`, { revision: ended.revision, data: { by, reason: "cancelled", startedBy: ended.by, startedSince: ended.since } });
      await d.recompile();
      return { ok: true, state: d.pins.state };
    },
  };
}
