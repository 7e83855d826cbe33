// Controller high availability: one leader among several controllers, by a lease in the
// kf-controller bucket. Every write is a compare-and-set on the key's revision, so two
// controllers can never both believe they took the same lease.
//
// Expiry is judged on each controller's own monotonic clock, never by comparing wall clocks:
// a standby takes over once the lease's revision has not changed for ttl since it first saw
// that revision; the leader stops acting once ttl minus a margin has passed since it sent its
// last successful renewal. The standby saw the renewal after it was sent, so the leader always
// stops first (clock rates are assumed equal, not clock readings).
import type { KV } from "@nats-io/kv";
import type { Logger } from "../../shared/log.js";
import { isRevisionConflict } from "../../shared/nats.js";

export const LEASE_KEY = "leader";

export interface LeaseRecord {
  /** Stable name of the controller (ha.id, default the host name). */
  holder: string;
  /** Random per process: tells a restarted controller its previous life's lease. */
  incarnation: string;
  /** Goes up by one with every change of leader. */
  term: number;
  acquiredAt: string;
  renewedAt: string;
  ttlMs: number;
}

export interface Identity {
  holder: string;
  incarnation: string;
}

export type LeaseAction = "acquire" | "take-over" | "wait";

/**
 * What a controller that does not hold the lease does on one check (pure). `stableForMs`: how
 * long the record's revision has been unchanged as this controller saw it.
 */
export function leaseAction(me: Identity, record: LeaseRecord | null, stableForMs: number): LeaseAction {
  if (!record) return "acquire";
  // The same name is the same controller: a lease under our name is our previous life's.
  if (record.holder === me.holder) return "take-over";
  return stableForMs >= record.ttlMs ? "take-over" : "wait";
}

export type LeaseState = "standby" | "leader" | "suspended" | "stopped";

export interface LeaseOptions {
  ttlMs: number;
  /** How often a standby reads the lease and the leader checks its deadline (default ttl/10, at most 1 s); renewals come every ttl/3. */
  checkMs?: number;
  /** Monotonic milliseconds. */
  now?: () => number;
  wallClock?: () => Date;
}

export interface LeaseEvents {
  /** This controller now leads (the term it leads). */
  elected(term: number): void;
  /** Another controller holds the lease: this one must stop acting for good. */
  deposed(reason: string): void;
}

export class LeaderLease {
  state: LeaseState = "standby";
  /** The lease as last read or written. */
  record: LeaseRecord | null = null;
  private revision = 0;
  private seenRevision = -1;
  private seenSince = 0;
  private lastRenewSentAt = 0;
  private lastRenewAttempt = 0;
  /** The check in flight, if any: stop waits for it, or it would release a revision a renewal just replaced. */
  private inflight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private readonly wall: () => Date;
  private readonly checkMs: number;

  constructor(
    private readonly kv: KV,
    readonly me: Identity,
    private readonly opts: LeaseOptions,
    private readonly events: LeaseEvents,
    private readonly log: Logger,
  ) {
    this.now = opts.now ?? (() => performance.now());
    this.wall = opts.wallClock ?? (() => new Date());
    // A standby's takeover comes up to one check after the ttl, on top of the time it took to see
    // the last renewal: with a 5 s lease, checks every 500 ms keep a failover within about 6 s.
    this.checkMs = opts.checkMs ?? Math.min(1_000, opts.ttlMs / 10);
  }

  /** May this controller write now? Only while it leads and its lease has not lapsed. */
  mayAct(): boolean {
    return this.state === "leader";
  }

  /** First check, then one every checkMs. Resolves with the state after the first check. */
  async start(): Promise<LeaseState> {
    await this.check();
    this.timer = setInterval(() => {
      this.fence();
      if (this.inflight || this.state === "stopped") return;
      this.inflight = this.check()
        .catch((err: unknown) => this.log.warn({ err }, "leader lease check failed; retrying"))
        .finally(() => (this.inflight = null));
    }, this.checkMs);
    return this.state;
  }

  private async check(): Promise<void> {
    if (this.state === "leader" || this.state === "suspended") {
      if (this.now() - this.lastRenewAttempt >= this.opts.ttlMs / 3) await this.renew();
      return;
    }
    const e = await this.kv.get(LEASE_KEY);
    const revision = e?.revision ?? 0;
    const record = e && e.operation === "PUT" ? (JSON.parse(e.string()) as LeaseRecord) : null;
    if (revision !== this.seenRevision) {
      this.seenRevision = revision;
      this.seenSince = this.now();
    }
    this.record = record;
    const action = leaseAction(this.me, record, this.now() - this.seenSince);
    if (action === "wait") return;
    const at = this.wall().toISOString();
    const next: LeaseRecord = { ...this.me, term: (record?.term ?? 0) + 1, acquiredAt: at, renewedAt: at, ttlMs: this.opts.ttlMs };
    const sentAt = this.now();
    try {
      // create() also succeeds over a deleted key; update() only over the revision we judged.
      this.revision = record ? await this.kv.update(LEASE_KEY, JSON.stringify(next), revision) : await this.kv.create(LEASE_KEY, JSON.stringify(next));
    } catch (err) {
      if (isRevisionConflict(err)) return void this.log.info({ holder: record?.holder }, "another controller took the lease first");
      throw err;
    }
    this.record = next;
    this.lastRenewSentAt = this.lastRenewAttempt = sentAt;
    this.state = "leader";
    this.log.warn({ term: next.term, previous: record?.holder ?? null }, "elected leader");
    this.events.elected(next.term);
  }

  private async renew(): Promise<void> {
    const sentAt = (this.lastRenewAttempt = this.now());
    const next = { ...this.record!, renewedAt: this.wall().toISOString() };
    try {
      this.revision = await this.kv.update(LEASE_KEY, JSON.stringify(next), this.revision);
    } catch (err) {
      if (isRevisionConflict(err)) return this.depose("another controller took over the lease");
      this.log.warn({ err }, "leader lease not renewed; retrying");
      return;
    }
    this.record = next;
    this.lastRenewSentAt = sentAt;
    if (this.state === "suspended") {
      this.state = "leader";
      this.log.warn({ term: next.term }, "lease renewed again: acting as leader");
    }
  }

  /** A leader whose lease may have expired for the others stops writing until it renews. */
  private fence(): void {
    if (this.state !== "leader") return;
    const margin = Math.min(1_000, this.opts.ttlMs / 6);
    if (this.now() - this.lastRenewSentAt <= this.opts.ttlMs - margin) return;
    this.state = "suspended";
    this.log.error({ term: this.record?.term }, "leader lease not renewed within its ttl: no writes until it is");
  }

  private depose(reason: string): void {
    if (this.state === "stopped") return;
    this.state = "stopped";
    if (this.timer) clearInterval(this.timer);
    this.log.error({ reason }, "no longer the leader");
    this.events.deposed(reason);
  }

  /** Stops checking; a leader gives the lease up so a standby takes over at once. */
  async stop(): Promise<void> {
    const led = this.state === "leader" || this.state === "suspended";
    this.state = "stopped";
    if (this.timer) clearInterval(this.timer);
    if (!led) return;
    await this.inflight;
    // Only our own revision: a lease someone else took meanwhile is left alone.
    await this.kv.delete(LEASE_KEY, { previousSeq: this.revision }).catch((err: unknown) => this.log.warn({ err }, "lease not released; it expires instead"));
  }
}
