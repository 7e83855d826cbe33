// The controller's in-memory picture of the fleet. Rebuilt from git and KV on start;
// nothing here is the source of truth.
import type { Catalog, FleetEvent } from "../../shared/protocol.js";
import type { CommitInfo } from "../git/source.js";
import type { ConfigError } from "../../shared/yaml-config.js";
import { hostView, type IntendedHost } from "./host-view.js";
import type { HostView } from "../../shared/api/hosts.js";
import type { KeptStatus } from "./kept-status.js";

/** A git commit as the API shows it: the one in force, or a rejected one. */
export type RevisionInfo = CommitInfo;

/** One processed revision, as the API lists them (newest first). */
export interface RevisionRecord {
  revision: RevisionInfo;
  at: string;
  state: "accepted" | "rejected";
  /** file:line:col: message lines of a rejected revision. */
  errors: string[];
  /** Hosts whose catalog changed with it (accepted only). */
  changedHosts: string[];
}

const MAX_REVISIONS = 50;

export interface Rejection {
  revision: RevisionInfo;
  errors: ConfigError[];
  at: string;
}

const MAX_EVENTS = 500;

export class FleetState {
  lastGood: RevisionInfo | null = null;
  rejected: Rejection | null = null;
  lastSync: { at: string | null; head: string | null; error: string | null } = { at: null, head: null, error: null };
  readonly desired = new Map<string, Catalog>();
  /** Each host's last status, less its results (kept-status.ts); kf-status has them whole. */
  readonly status = new Map<string, KeptStatus>();
  readonly events: FleetEvent[] = [];
  /** The last processed revisions, newest first. */
  readonly revisions: RevisionRecord[] = [];
  /** host → content digest (and roles) compiled at the revision in force: what "at that revision" means. */
  readonly intended = new Map<string, IntendedHost>();
  /** Hosts a pin or the fleet-wide rollback keeps at another revision's content (set by the reconciler). */
  readonly held = new Map<string, NonNullable<HostView["held"]>>();
  /** Hosts a rollout holds back, with why and since when (set by the rollout driver). */
  readonly waiting = new Map<string, { message: string; since: string }>();
  private readonly eventIds = new Set<string>();
  private readonly listeners = new Set<(e: FleetEvent) => void>();

  constructor(readonly watchingSince: string) {}

  recordRevision(r: RevisionRecord): void {
    this.revisions.unshift(r);
    this.revisions.splice(MAX_REVISIONS);
  }

  /** Idempotent by event id: the controller also hears its own events back from NATS. */
  addEvent(e: FleetEvent): void {
    if (this.eventIds.has(e.id)) return;
    this.eventIds.add(e.id);
    this.events.push(e);
    for (const l of this.listeners) l(e);
    if (this.events.length > MAX_EVENTS) {
      for (const old of this.events.splice(0, this.events.length - MAX_EVENTS)) this.eventIds.delete(old.id);
    }
  }

  onEvent(listener: (e: FleetEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  reportedGenerations(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [host, s] of this.status) out.set(host, Math.max(s.observed?.generation ?? 0, s.applied?.generation ?? 0));
    return out;
  }

  /**
   * Hosts of the fleet: those with a catalog, and those of the revision in force whose first one
   * the rollout has not published yet (a new farm's builders wait for the hub). Retired ones (a
   * catalog without roles) are left out.
   */
  hosts(now: Date): HostView[] {
    const names = new Set([...this.desired.values()].filter((c) => c.roles.length > 0).map((c) => c.host));
    for (const host of this.intended.keys()) names.add(host);
    return [...names].sort().map((host) => this.host(host, now)!);
  }

  host(host: string, now: Date): HostView | null {
    const desired = this.desired.get(host) ?? null;
    const status = this.status.get(host) ?? null;
    const intended = this.intended.get(host) ?? null;
    if (!desired && !status && !intended) return null;
    return hostView({ host, desired, status, fleetRevision: this.lastGood?.sha ?? null, now, watchingSince: this.watchingSince, waiting: this.waiting.get(host) ?? null, intended, held: this.held.get(host) ?? null });
  }
}
