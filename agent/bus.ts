// The agent's side of NATS: its own desired key, its own status key, its own event subject,
// its own command subjects. Nothing else, so the per-host permissions of issue 5 can hold.
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import { Kvm, type KV, type KvEntry } from "@nats-io/kv";
import { BUCKET_DESIRED, BUCKET_STATUS, commandSubject, csrSubject, desiredKey, eventSubject, statusKey } from "../shared/names.js";
import type { FleetEvent, HostStatus } from "../shared/protocol.js";
import type { Logger } from "../shared/log.js";
import { watchForStall } from "../shared/stalled-watch.js";

/** Events kept while the stream is unreachable; beyond this the oldest go (the status KV still has the state). */
const MAX_QUEUED_EVENTS = 1_000;

export interface DesiredEntry {
  data: Uint8Array;
  revision: number;
  deleted: boolean;
}

export class AgentBus {
  private stopped = false;
  private watcher: { stop(): void } | null = null;
  private stopStallCheck: () => void = () => {};
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
    // checkAPI off: an agent's NATS user may not call $JS.API.INFO.
    const js = jetstream(nc, { checkAPI: false });
    const kvm = new Kvm(js);
    const desired = await kvm.open(BUCKET_DESIRED, { allow_direct: true });
    const status = await kvm.open(BUCKET_STATUS, { allow_direct: true });
    return new AgentBus(nc, js, host, desired, status, log);
  }

  /**
   * Watches this host's desired key; retries until the bucket exists, survives reconnects, and
   * restarts a watch that stalled (its server died) once a direct get shows a newer revision.
   */
  async watchDesired(onEntry: (e: DesiredEntry) => void, opts: { retryMs?: number; stallCheckMs?: number } = {}): Promise<void> {
    const { retryMs = 1_000, stallCheckMs = 15_000 } = opts;
    let delivered = 0;
    const stopCheck = watchForStall({
      everyMs: stallCheckMs,
      latest: async () => (await this.desired.get(desiredKey(this.host)))?.revision ?? 0,
      delivered: () => delivered,
      restart: () => {
        this.log.warn({ delivered }, "desired-state watch stalled behind the bucket; restarting it");
        this.watcher?.stop();
      },
      onError: (err) => this.log.debug({ err }, "desired-state stall check failed"),
    });
    this.stopStallCheck = stopCheck;
    let restartNow = false;
    // Back from a partition or a server restart: look at once instead of at the next check (a
    // heartbeat interval away), so the latest catalog applies within a second of the link.
    void (async () => {
      for await (const s of this.nc.status()) {
        if (this.stopped) return;
        if (s.type !== "reconnect") continue;
        const latest = await this.desired.get(desiredKey(this.host)).then((e) => e?.revision ?? 0, () => 0);
        if (latest <= delivered) continue;
        this.log.info({ delivered, latest }, "reconnected behind the bucket; restarting the desired-state watch");
        restartNow = true;
        this.watcher?.stop();
      }
    })();
    while (!this.stopped) {
      try {
        const w = await this.desired.watch({ key: desiredKey(this.host) });
        this.watcher = w;
        for await (const e of w as AsyncIterable<KvEntry>) {
          delivered = Math.max(delivered, e.revision);
          onEntry({ data: e.value, revision: e.revision, deleted: e.operation !== "PUT" });
        }
        if (this.stopped) return;
      } catch (err) {
        if (this.stopped) return;
        this.log.debug({ err }, "desired-state watch not available yet, retrying");
      }
      if (restartNow) restartNow = false;
      else await new Promise((r) => setTimeout(r, retryMs));
    }
  }

  /** Asks the controller's CA to sign a CSR for the catalog's certificate `name`. */
  async requestCertificate(name: string, csrPem: string): Promise<{ certificatePem: string; caPem: string }> {
    const m = await this.nc.request(csrSubject(this.host), JSON.stringify({ name, csr: csrPem }), { timeout: 15_000 });
    const reply = m.json<{ ok: boolean; certificatePem?: string; caPem?: string; error?: string }>();
    if (!reply.ok || !reply.certificatePem || !reply.caPem) throw new Error(`the controller refused certificate ${name}: ${reply.error ?? "no certificate in the reply"}`);
    return { certificatePem: reply.certificatePem, caPem: reply.caPem };
  }

  async putStatus(s: HostStatus): Promise<void> {
    await this.status.put(statusKey(this.host), JSON.stringify(s));
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
        await this.js.publish(eventSubject(this.host), JSON.stringify(e), { msgID: e.id, timeout: 5_000 });
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
    this.stopStallCheck();
    this.watcher?.stop();
    for (const s of this.subs) s.unsubscribe();
  }
}
