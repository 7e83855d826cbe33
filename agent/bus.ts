// The agent's side of NATS: its own desired key, its own status key, its own event subject,
// its own command subjects. Nothing else, so the per-host permissions of issue 5 can hold.
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { Kvm, type KV, type KvEntry } from "@nats-io/kv";
import { BUCKET_DESIRED, BUCKET_STATUS, commandSubject, csrSubject, desiredKey, eventSubject, statusKey } from "../shared/names.js";
import type { FleetEvent, HostStatus } from "../shared/protocol.js";
import type { Logger } from "../shared/log.js";

export interface DesiredEntry {
  data: Uint8Array;
  revision: number;
  deleted: boolean;
}

export class AgentBus {
  private stopped = false;
  private watcher: { stop(): void } | null = null;
  private readonly subs: Subscription[] = [];

  private constructor(
    private readonly nc: NatsConnection,
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
    return new AgentBus(nc, host, desired, status, log);
  }

  /** Watches this host's desired key; retries until the bucket exists, survives reconnects. */
  async watchDesired(onEntry: (e: DesiredEntry) => void, retryMs = 1_000): Promise<void> {
    while (!this.stopped) {
      try {
        const w = await this.desired.watch({ key: desiredKey(this.host) });
        this.watcher = w;
        for await (const e of w as AsyncIterable<KvEntry>) {
          onEntry({ data: e.value, revision: e.revision, deleted: e.operation !== "PUT" });
        }
        if (this.stopped) return;
      } catch (err) {
        if (this.stopped) return;
        this.log.debug({ err }, "desired-state watch not available yet, retrying");
      }
      await new Promise((r) => setTimeout(r, retryMs));
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

  publishEvent(e: FleetEvent): void {
    // Core publish: buffered by the client while reconnecting; the KF_EVENTS stream stores it.
    this.nc.publish(eventSubject(this.host), JSON.stringify(e));
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
    this.watcher?.stop();
    for (const s of this.subs) s.unsubscribe();
  }
}
