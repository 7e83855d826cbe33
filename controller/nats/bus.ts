// The controller's side of NATS: it creates the buckets and the event stream, writes catalogs,
// and follows statuses and events. Every message read is validated; bad ones are dropped.
import type { NatsConnection } from "@nats-io/transport-node";
import { DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages, type JetStreamManager } from "@nats-io/jetstream";
import { Kvm, type KV, type KvEntry } from "@nats-io/kv";
import { BUCKET_CONTROLLER, BUCKET_DESIRED, BUCKET_STATUS, EVENTS_WILDCARD, FLEET_EVENT_SUBJECT, STREAM_EVENTS, desiredKey, kvStream, kvSubject } from "../../shared/names.js";
import type { Catalog, FleetEvent, HostStatus } from "../../shared/protocol.js";
import { decodeCatalog, decodeFleetEvent } from "../../shared/validate.js";
import { decodeHostStatusCompiled } from "./status-decoder.js";
import type { Logger } from "../../shared/log.js";
import { FleetError } from "../../shared/errors.js";
import { isRevisionConflict } from "../../shared/nats.js";
import { CATALOG_MAX_BYTES, byteLength } from "../../shared/bus-limits.js";
import { watchForStall } from "../../shared/stalled-watch.js";
import { forgeryOf } from "../fleet/event-origin.js";
import { STREAM_LIMITS, bucketOptions, configChanges, eventStreamConfig } from "./stream-limits.js";

/** How long open() waits for JetStream: a cluster that just started elects its leaders first. */
const JETSTREAM_WAIT_MS = 60_000;
const STALL_CHECK_MS = 5_000;
/** The header a KV delete or purge carries (nats.js's kvOperationHdr, not exported by its index). */
const KV_OPERATION = "KV-Operation";

/** A host's status as the bucket has it (null: deleted), with the entry's revision (stream sequence). */
export type StatusListener = (host: string, s: HostStatus | null, revision: number) => void;

export interface BusOptions {
  /** Copies of every bucket and of the event stream: 1 on one server, 3 or 5 on a cluster. */
  replicas?: number;
  /** For tests: how long to wait for JetStream. */
  waitMs?: number;
}

export class ControllerBus {
  private readonly stoppers: (() => void)[] = [];
  private mayWrite: (() => boolean) | null = null;
  /** Called when a fenced put finds another writer's revision. */
  onFenced: ((reason: string) => void) | null = null;
  /** kf-desired key → the revision this controller last read or wrote. */
  private readonly revisions = new Map<string, number>();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly desired: KV,
    private readonly status: KV,
    readonly controller: KV,
    private readonly log: Logger,
  ) {}

  static async open(nc: NatsConnection, log: Logger, opts: BusOptions = {}): Promise<ControllerBus> {
    const replicas = opts.replicas ?? 1;
    const deadline = Date.now() + (opts.waitMs ?? JETSTREAM_WAIT_MS);
    for (let attempt = 1; ; attempt++) {
      try {
        const kvm = new Kvm(jetstream(nc));
        const jsm = await jetstreamManager(nc);
        const desired = await kvm.create(BUCKET_DESIRED, bucketOptions(BUCKET_DESIRED, replicas));
        const status = await kvm.create(BUCKET_STATUS, bucketOptions(BUCKET_STATUS, replicas));
        const controller = await kvm.create(BUCKET_CONTROLLER, bucketOptions(BUCKET_CONTROLLER, replicas));
        await jsm.streams.add(eventStreamConfig([EVENTS_WILDCARD], replicas)).catch((err: unknown) => {
          if (!/already in use/i.test(String(err))) throw err;
        });
        // Streams made by an older controller (or on one server, before a cluster) are brought
        // to today's limits and replica count in place: an upgrade is a restart, not a migration.
        for (const stream of [...[BUCKET_DESIRED, BUCKET_STATUS, BUCKET_CONTROLLER].map(kvStream), STREAM_EVENTS]) await ensureStreamConfig(jsm, stream, replicas, log);
        return new ControllerBus(nc, jsm, desired, status, controller, log);
      } catch (err) {
        if (/insufficient storage/i.test(String(err))) throw storeTooSmall(err);
        if (Date.now() > deadline) throw err;
        log.warn({ err, attempt }, "JetStream not available yet (a new cluster elects its leaders first); retrying");
        await new Promise((r) => setTimeout(r, Math.min(250 * attempt, 2_000)));
      }
    }
  }

  /**
   * Every key of kf-desired, in stream order, handed to `each` with its catalog as decoded (null:
   * deleted, purged or not decodable, reported), and each key's revision noted for fenced puts.
   * A caller that keeps the catalogs shares what they have in common before the next is read
   * (10,000 catalogs parsed apart outgrow the controller's heap). One ordered consumer over each
   * key's last entry, 64 at a time: not a request per key (3.6 s at 10,000 hosts). A consumer
   * reset (a reconnect, a lost member) starts again from the last sequence seen and replays
   * history after it: a key's last call is its state either way.
   */
  async readDesired(each: (host: string, c: Catalog | null) => void): Promise<void> {
    const stream = kvStream(BUCKET_DESIRED);
    if ((await this.jsm.streams.info(stream)).state.messages === 0) return;
    const prefix = kvSubject(BUCKET_DESIRED, "");
    const consumer = await jetstream(this.nc).consumers.get(stream, { deliver_policy: DeliverPolicy.LastPerSubject });
    try {
      for (;;) {
        let got = 0;
        let pending = -1;
        for await (const m of await consumer.fetch({ max_messages: 64, expires: 2_000 })) {
          got++;
          const key = m.subject.slice(prefix.length);
          this.revisions.set(key, m.seq);
          each(key, (m.headers?.get(KV_OPERATION) || "PUT") === "PUT" ? this.decodeInForce(key, m.data) : null);
          pending = m.info.pending;
          if (pending === 0) break;
        }
        if (this.nc.isClosed()) throw new Error(`the NATS connection closed while ${BUCKET_DESIRED} was read`);
        if (pending === 0) return;
        // A batch that came back empty: over if the consumer has nothing left (the stream was
        // emptied since its count was read), else the server was slow and the next batch comes.
        if (got === 0 && (await consumer.info()).num_pending === 0) return;
      }
    } finally {
      await consumer.delete().catch(() => undefined);
    }
  }

  private decodeInForce(host: string, data: Uint8Array): Catalog | null {
    try {
      return decodeCatalog(data);
    } catch (err) {
      this.log.warn({ err, host }, "undecodable catalog in kf-desired; it will be replaced");
      return null;
    }
  }

  /**
   * With several controllers (ha): every catalog put is allowed only while mayWrite() says so,
   * and is a compare-and-set on the key's revision as this controller last saw it, so a
   * controller that lost its lease cannot overwrite what the new leader published.
   */
  fenceWith(mayWrite: () => boolean): void {
    this.mayWrite = mayWrite;
  }

  /** `encoded`: the catalog as JSON (or its UTF-8), when the caller has it encoded already (CatalogCodec). */
  async putCatalog(c: Catalog, encoded: string | Uint8Array = JSON.stringify(c)): Promise<void> {
    const key = desiredKey(c.host);
    const size = typeof encoded === "string" ? byteLength(encoded) : encoded.length;
    if (size > CATALOG_MAX_BYTES) {
      throw new FleetError("KF_ERR_CONFIG_INVALID", `catalog of ${c.host} is ${size} bytes, over the ${CATALOG_MAX_BYTES}-byte limit of ${BUCKET_DESIRED} (docs/scaling.md#jetstream-limits)`);
    }
    if (!this.mayWrite) return void (await this.desired.put(key, encoded));
    if (!this.mayWrite()) throw new FleetError("KF_ERR_CONFLICT", `not the leader: catalog of ${c.host} not published`);
    const seen = this.revisions.get(key);
    try {
      this.revisions.set(key, seen === undefined ? await this.desired.create(key, encoded) : await this.desired.update(key, encoded, seen));
    } catch (err) {
      if (!isRevisionConflict(err)) throw err;
      this.onFenced?.(`catalog of ${c.host} was written by another controller`);
      throw new FleetError("KF_ERR_CONFLICT", `catalog of ${c.host} was written by another controller since revision ${seen ?? "none"}`, { cause: err });
    }
  }

  /**
   * Follows every host's status (initial values first, then changes). A watch that falls behind
   * the bucket for a whole check interval (its server died) is replaced by a new one.
   */
  async followStatus(onStatus: StatusListener, stallCheckMs = STALL_CHECK_MS): Promise<void> {
    let delivered = 0;
    let w: { stop(): void } | null = null;
    const start = async (): Promise<void> => {
      const watch = await this.status.watch({ key: ">" });
      w = watch;
      void this.readStatuses(watch, onStatus, (rev) => (delivered = Math.max(delivered, rev)));
    };
    await start();
    const stopCheck = watchForStall({
      everyMs: stallCheckMs,
      latest: async () => (await this.jsm.streams.info(kvStream(BUCKET_STATUS))).state.last_seq,
      delivered: () => delivered,
      restart: () => {
        this.log.warn({ delivered }, "status watch stalled behind the bucket; restarting it");
        w?.stop();
        start().catch((err: unknown) => this.log.warn({ err }, "status watch not restarted; retrying on the next check"));
      },
      onError: (err) => this.log.debug({ err }, "status stall check failed"),
    });
    this.stoppers.push(() => {
      stopCheck();
      w?.stop();
    });
  }

  private async readStatuses(w: AsyncIterable<KvEntry>, onStatus: StatusListener, seen: (revision: number) => void): Promise<void> {
    for await (const e of w) {
      seen(e.revision);
      if (e.operation !== "PUT") {
        onStatus(e.key, null, e.revision);
        continue;
      }
      const s = this.decoded(e, "warn");
      if (s) onStatus(e.key, s, e.revision);
    }
  }

  /** A host's status as kf-status holds it now, checked as the watch checks it (null: none, deleted or invalid). */
  async readStatus(host: string): Promise<HostStatus | null> {
    const e = await this.status.get(host);
    // The watch has said it once (warn) when the entry came; every API read need not say it again.
    return e && e.operation === "PUT" ? this.decoded(e, "debug") : null;
  }

  private decoded(e: KvEntry, level: "warn" | "debug"): HostStatus | null {
    try {
      const s = decodeHostStatusCompiled(e.value);
      if (s.host !== e.key) throw new Error(`status for ${s.host} written under key ${e.key}`);
      return s;
    } catch (err) {
      this.log[level]({ err, key: e.key }, "invalid host status dropped");
      return null;
    }
  }

  /**
   * Events from the KF_EVENTS stream through an ordered consumer, not a plain subscription: an
   * agent that publishes while the controller is reconnecting (after a NATS restart) is not lost,
   * because the consumer resumes after the last stream sequence it delivered. A consumer that
   * stalls (its cluster member died) is replaced by one starting right after that sequence.
   * An event a host could not have sent truthfully (controller/fleet/event-origin.ts) goes to onForged.
   */
  followEvents(onEvent: (e: FleetEvent) => void, onForged: (subject: string, reason: string) => void, stallCheckMs = STALL_CHECK_MS): void {
    let messages: ConsumerMessages | null = null;
    let stopped = false;
    // Stream sequence up to which events were delivered (or predate us: we start with new ones).
    let delivered = -1;
    const lastSeq = async (): Promise<number> => (await this.jsm.streams.info(STREAM_EVENTS)).state.last_seq;
    const start = async (): Promise<void> => {
      if (delivered < 0) delivered = await lastSeq();
      const consumer = await jetstream(this.nc).consumers.get(STREAM_EVENTS, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: delivered + 1 });
      if (stopped) return;
      const mine = (messages = await consumer.consume());
      for await (const m of mine) {
        delivered = Math.max(delivered, m.seq);
        let e: FleetEvent;
        try {
          e = decodeFleetEvent(m.data);
        } catch (err) {
          this.log.warn({ err, subject: m.subject }, "invalid event dropped");
          continue;
        }
        const forgery = forgeryOf(m.subject, e);
        if (forgery) onForged(m.subject, forgery);
        else onEvent(e);
      }
    };
    const run = (): void => void start().catch((err: unknown) => this.log.warn({ err }, "event consumer stopped; restarting on the next check"));
    const stopCheck = watchForStall({
      everyMs: stallCheckMs,
      latest: lastSeq,
      delivered: () => delivered,
      restart: () => {
        this.log.warn({ delivered }, "event consumer stalled behind the stream; restarting it");
        void messages?.close();
        run();
      },
      onError: (err) => this.log.debug({ err }, "event stall check failed"),
    });
    this.stoppers.push(() => {
      stopped = true;
      stopCheck();
      void messages?.close();
    });
    run();
  }

  publishFleetEvent(e: FleetEvent): void {
    this.nc.publish(FLEET_EVENT_SUBJECT, JSON.stringify(e));
  }

  stop(): void {
    for (const s of this.stoppers) s();
  }
}

async function ensureStreamConfig(jsm: JetStreamManager, stream: string, replicas: number, log: Logger): Promise<void> {
  const { config } = await jsm.streams.info(stream);
  const changes = configChanges(config, replicas);
  if (!changes) return;
  const from = Object.fromEntries(Object.keys(changes).map((k) => [k, (config as unknown as Record<string, unknown>)[k]]));
  log.warn({ stream, from, to: changes }, "bringing a JetStream stream to the fleet's limits and replica count");
  await jsm.streams.update(stream, changes);
}

/** No retry: the store stays too small until someone frees disk or raises max_file_store. */
function storeTooSmall(cause: unknown): FleetError {
  const reserved = Object.values(STREAM_LIMITS).reduce((sum, l) => sum + l.max_bytes, 0);
  return new FleetError(
    "KF_ERR_NATS",
    `nats-server cannot reserve the ${(reserved / 2 ** 30).toFixed(2)} GiB the fleet's streams may use: free disk on its store or raise jetstream.max_file_store (docs/scaling.md#jetstream-limits)`,
    { cause },
  );
}
