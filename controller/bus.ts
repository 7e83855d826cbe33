// The controller's side of NATS: it creates the buckets and the event stream, writes catalogs,
// and follows statuses and events. Every message read is validated; bad ones are dropped.
import type { NatsConnection } from "@nats-io/transport-node";
import { DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages } from "@nats-io/jetstream";
import { Kvm, type KV, type KvEntry } from "@nats-io/kv";
import { BUCKET_CONTROLLER, BUCKET_DESIRED, BUCKET_STATUS, EVENTS_WILDCARD, FLEET_EVENT_SUBJECT, STREAM_EVENTS, desiredKey } from "../shared/names.js";
import type { Catalog, FleetEvent, HostStatus } from "../shared/protocol.js";
import { decodeCatalog, decodeFleetEvent, decodeHostStatus } from "../shared/validate.js";
import type { Logger } from "../shared/log.js";

const DAY_NS = 24 * 3600 * 1e9;

export class ControllerBus {
  private readonly stoppers: (() => void)[] = [];

  private constructor(
    private readonly nc: NatsConnection,
    private readonly desired: KV,
    private readonly status: KV,
    readonly controller: KV,
    private readonly log: Logger,
  ) {}

  static async open(nc: NatsConnection, log: Logger): Promise<ControllerBus> {
    const js = jetstream(nc);
    const kvm = new Kvm(js);
    const desired = await kvm.create(BUCKET_DESIRED, { history: 5 });
    const status = await kvm.create(BUCKET_STATUS, { history: 1 });
    const controller = await kvm.create(BUCKET_CONTROLLER, { history: 5 });
    const jsm = await jetstreamManager(nc);
    const events = { name: STREAM_EVENTS, subjects: [EVENTS_WILDCARD], max_age: 7 * DAY_NS, max_msgs_per_subject: 10_000 };
    await jsm.streams.add(events).catch(async () => jsm.streams.update(STREAM_EVENTS, events));
    return new ControllerBus(nc, desired, status, controller, log);
  }

  /** Current catalogs in kf-desired; entries that do not decode are reported and left out. */
  async readDesired(): Promise<Map<string, Catalog>> {
    const out = new Map<string, Catalog>();
    for await (const key of await this.desired.keys()) {
      const e = await this.desired.get(key);
      if (!e || e.operation !== "PUT") continue;
      try {
        out.set(key, decodeCatalog(e.value));
      } catch (err) {
        this.log.warn({ err, host: key }, "undecodable catalog in kf-desired; it will be replaced");
      }
    }
    return out;
  }

  async putCatalog(c: Catalog): Promise<void> {
    await this.desired.put(desiredKey(c.host), JSON.stringify(c));
  }

  /** Follows every host's status (initial values first, then changes). */
  async followStatus(onStatus: (host: string, s: HostStatus | null) => void): Promise<void> {
    const w = await this.status.watch({ key: ">" });
    this.stoppers.push(() => w.stop());
    void (async () => {
      for await (const e of w as AsyncIterable<KvEntry>) {
        if (e.operation !== "PUT") {
          onStatus(e.key, null);
          continue;
        }
        try {
          const s = decodeHostStatus(e.value);
          if (s.host !== e.key) throw new Error(`status for ${s.host} written under key ${e.key}`);
          onStatus(e.key, s);
        } catch (err) {
          this.log.warn({ err, key: e.key }, "invalid host status dropped");
        }
      }
    })();
  }

  /**
   * Events from the KF_EVENTS stream through an ordered consumer, not a plain subscription: an
   * agent that publishes while the controller is reconnecting (after a NATS restart) is not lost,
   * because the consumer resumes after the last stream sequence it delivered.
   */
  followEvents(onEvent: (e: FleetEvent) => void): void {
    let messages: ConsumerMessages | null = null;
    let stopped = false;
    this.stoppers.push(() => {
      stopped = true;
      void messages?.close();
    });
    void (async () => {
      const consumer = await jetstream(this.nc).consumers.get(STREAM_EVENTS, { deliver_policy: DeliverPolicy.New });
      if (stopped) return;
      messages = await consumer.consume();
      for await (const m of messages) {
        try {
          const e = decodeFleetEvent(m.data);
          const fromHost = m.subject.slice("kf.events.".length);
          if (e.source === "agent" && e.host !== fromHost) throw new Error(`event for ${e.host} published on ${m.subject}`);
          onEvent(e);
        } catch (err) {
          this.log.warn({ err, subject: m.subject }, "invalid event dropped");
        }
      }
    })().catch((err: unknown) => this.log.error({ err }, "event consumer stopped"));
  }

  publishFleetEvent(e: FleetEvent): void {
    this.nc.publish(FLEET_EVENT_SUBJECT, JSON.stringify(e));
  }

  stop(): void {
    for (const s of this.stoppers) s();
  }
}
