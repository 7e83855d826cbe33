// The agent's side of NATS: its own desired key, its own status key, its own event subject,
// its own command subjects. Nothing else, so the per-host permissions of issue 5 can hold.
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { BUCKET_DESIRED, BUCKET_STATUS, commandSubject, csrSubject, desiredKey, eventSubject, kvSubject, statusKey } from "../shared/names.js";
import type { FleetEvent, HostStatus } from "../shared/protocol.js";
import type { Logger } from "../shared/log.js";
import { FleetError } from "../shared/errors.js";
import { STATUS_MAX_BYTES, byteLength, fitEvent } from "../shared/bus-limits.js";

/** Events kept while the stream is unreachable; beyond this the oldest go (the status KV still has the state). */
const MAX_QUEUED_EVENTS = 1_000;
/** Gets after a doorbell that found nothing new yet, 10 ms apart and doubling: ~5 s in all. */
const DOORBELL_RETRIES = 9;
const DOORBELL_RETRY_MS = 10;

export interface DesiredEntry {
  data: Uint8Array;
  revision: number;
  deleted: boolean;
}

export class AgentBus {
  private stopped = false;
  private checkTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly events: FleetEvent[] = [];
  private pumping: Promise<void> | null = null;
  private readonly subs: Subscription[] = [];

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly host: string,
    private readonly desired: KV,
    private readonly status: KV,
    private readonly log: Logger,
  ) {}

  static async open(nc: NatsConnection, host: string, log: Logger): Promise<AgentBus> {
    // checkAPI off: an agent's NATS user may not call $JS.API.INFO. Its gets and puts are tiny
    // and answered in milliseconds; one sent into a cut link is lost with the connection, and the
    // next status waits behind it: 2.5 s, not the default 5 s (test/scenarios/partition.test.ts).
    const js = jetstream(nc, { checkAPI: false, timeout: 2_500 });
    const kvm = new Kvm(js);
    const desired = await kvm.open(BUCKET_DESIRED, { allow_direct: true });
    const status = await kvm.open(BUCKET_STATUS, { allow_direct: true });
    return new AgentBus(nc, js, host, desired, status, log);
  }

  /**
   * Delivers this host's desired entry, each revision once and in order: at start, after every
   * put to its key, after a reconnect, and every `checkMs` in case a put went unseen. A core
   * subscription to the key's subject is the doorbell and a direct get fetches the entry with
   * its revision. A KV watch (an ordered JetStream consumer per agent) cost nats-server 4.5×
   * the CPU at 1,000 hosts (bench/README.md, nats-fanout) and needed wider grants (docs/nats.md).
   */
  async watchDesired(onEntry: (e: DesiredEntry) => void, opts: { retryMs?: number; checkMs?: number } = {}): Promise<void> {
    const { retryMs = 1_000, checkMs = 15_000 } = opts;
    const key = desiredKey(this.host);
    let delivered = 0;
    let wanted: "none" | "check" | "doorbell" = "none";
    // The running loop's number; a reconnect starts a new loop and the old one bows out.
    let loops = 0;
    let pulling: number | null = null;
    const pull = async (fresh = false): Promise<void> => {
      if (pulling !== null && !fresh) return;
      const mine = ++loops;
      pulling = mine;
      const current = (): boolean => pulling === mine && !this.stopped;
      try {
        while (wanted !== "none" && current()) {
          const rang = wanted === "doorbell";
          wanted = "none";
          // The doorbell can arrive before the stream has stored the put it announces.
          for (let attempt = 0; ; attempt++) {
            const e = await this.desired.get(key);
            if (e && e.revision > delivered) {
              delivered = e.revision;
              onEntry({ data: e.value, revision: e.revision, deleted: e.operation !== "PUT" });
              break;
            }
            if (!rang || attempt >= DOORBELL_RETRIES || !current()) break;
            await new Promise((r) => setTimeout(r, DOORBELL_RETRY_MS * 2 ** attempt));
          }
        }
      } catch (err) {
        if (!current()) return;
        // The bucket does not exist yet, or the stream has no leader for a moment.
        this.log.debug({ err }, "desired state not readable yet, retrying");
        if (wanted === "none") wanted = "check";
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => void pull(), retryMs);
      } finally {
        if (pulling === mine) pulling = null;
      }
    };
    const want = (why: "check" | "doorbell", fresh = false): void => {
      if (wanted !== "doorbell") wanted = why;
      void pull(fresh);
    };
    const doorbell = this.nc.subscribe(kvSubject(BUCKET_DESIRED, key), { callback: () => want("doorbell") });
    this.subs.push(doorbell);
    void doorbell.closed.then((err) => {
      if (err) this.log.warn({ err }, "catalog doorbell refused (a NATS config older than this agent?): catalogs now arrive at each check");
    });
    this.checkTimer = setInterval(() => want("check"), checkMs);
    // Back from a partition or a server restart: look at once, so the latest catalog applies
    // within a second of the link instead of at the next check. A get sent while the link was
    // down is lost with the old connection: a fresh loop does not wait out its timeout (5 s).
    void (async () => {
      for await (const s of this.nc.status()) {
        if (this.stopped) return;
        if (s.type === "reconnect") want("check", true);
      }
    })();
    want("check");
  }

  /** Asks the controller's CA to sign a CSR for the catalog's certificate `name`. */
  async requestCertificate(name: string, csrPem: string): Promise<{ certificatePem: string; caPem: string }> {
    const m = await this.nc.request(csrSubject(this.host), JSON.stringify({ name, csr: csrPem }), { timeout: 15_000 });
    const reply = m.json<{ ok: boolean; certificatePem?: string; caPem?: string; error?: string }>();
    if (!reply.ok || !reply.certificatePem || !reply.caPem) throw new Error(`the controller refused certificate ${name}: ${reply.error ?? "no certificate in the reply"}`);
    return { certificatePem: reply.certificatePem, caPem: reply.caPem };
  }

  async putStatus(s: HostStatus): Promise<void> {
    const text = JSON.stringify(s);
    if (byteLength(text) > STATUS_MAX_BYTES) {
      throw new FleetError("KF_ERR_NATS", `status of ${this.host} is ${byteLength(text)} bytes, over the ${STATUS_MAX_BYTES}-byte limit of ${BUCKET_STATUS} (docs/scaling.md#jetstream-limits)`);
    }
    await this.status.put(statusKey(this.host), text);
  }

  /**
   * Queues an event for the KF_EVENTS stream. Published through JetStream and retried until the
   * stream acknowledges it: a core publish made while a cluster elects the stream's leader is
   * silently dropped. The event id is the Nats-Msg-Id, so a retry after a lost ack is a no-op.
   */
  publishEvent(e: FleetEvent): void {
    if (this.events.length >= MAX_QUEUED_EVENTS) {
      const dropped = this.events.shift();
      this.log.warn({ event: dropped?.type }, "event queue full (the event stream is unreachable); oldest event dropped");
    }
    this.events.push(e);
    if (!this.pumping) this.pumping = this.pumpEvents().finally(() => (this.pumping = null));
  }

  /** Waits (at most timeoutMs) for queued events to be stored: before a clean stop. */
  async flushEvents(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.pumping, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]).finally(() => clearTimeout(timer));
  }

  private async pumpEvents(): Promise<void> {
    for (let attempt = 1; this.events.length > 0 && !this.stopped; ) {
      const e = this.events[0]!;
      try {
        await this.js.publish(eventSubject(this.host), fitEvent(e), { msgID: e.id, timeout: 5_000 });
        this.events.shift();
        attempt = 1;
      } catch (err) {
        this.log.debug({ err, attempt }, "event not stored yet; retrying");
        await new Promise((r) => setTimeout(r, Math.min(250 * attempt++, 5_000)));
      }
    }
  }

  onCommand(command: "converge" | "plan", handler: (data: Uint8Array) => Promise<unknown>): void {
    const subject = commandSubject(this.host, command);
    const sub = this.nc.subscribe(subject);
    this.subs.push(sub);
    sub.closed.catch((err: unknown) => this.log.warn({ err, command }, "command subscription closed"));
    void (async () => {
      for await (const m of sub) {
        // NATS 2.9 cannot stop another host's consumer from delivering to our command
        // subject; such messages keep their original subject. Only our own are commands.
        if (m.subject !== subject) {
          this.log.warn({ subject: m.subject }, "message delivered to our command subject from elsewhere; dropped");
          continue;
        }
        try {
          m.respond(JSON.stringify({ ok: true, result: await handler(m.data) }));
        } catch (err) {
          m.respond(JSON.stringify({ ok: false, error: (err as Error).message }));
        }
      }
    })();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.checkTimer);
    clearTimeout(this.retryTimer);
    for (const s of this.subs) s.unsubscribe();
  }
}
