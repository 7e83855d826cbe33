// The agent's link to NATS, opened in the background: the agent converges without it (NATS
// only feeds it catalogs and carries its reports), and once it is open it brings the desired
// catalog and the commands, and carries the status, the events and the certificate requests.
import { randomUUID } from "node:crypto";
import type { NatsConnection } from "@nats-io/transport-node";
import { connectFailureText, connectNats } from "../../shared/nats.js";
import { agentInboxPrefix } from "../../shared/names.js";
import type { EventType, FleetEvent, HostStatus } from "../../shared/protocol.js";
import type { Logger } from "../../shared/log.js";
import { iso, type Clock } from "../../shared/time.js";
import type { AgentConfig } from "../config.js";
import { AgentBus, type DesiredEntry } from "../bus.js";
import { noIssuer, type CertificateIssuer } from "../certificates.js";

export type Emit = (type: EventType, severity: FleetEvent["severity"], message: string, revision?: string, data?: Record<string, unknown>) => void;

export interface LinkHandlers {
  desired(e: DesiredEntry): void;
  /** `kf.cmd.<host>.converge` */
  converge(): void;
  /** `kf.cmd.<host>.plan`: its reply, or throws the refusal. */
  plan(data: Uint8Array): Promise<unknown>;
  /** Connected, subscribed and watching: the agent is ready (sd_notify READY=1). */
  opened(): void;
}

type Link =
  | { state: "idle" }
  | { state: "connected"; nc: NatsConnection }
  | { state: "open"; nc: NatsConnection; bus: AgentBus }
  | { state: "closed" };

export class AgentLink {
  private link: Link = { state: "idle" };
  /** Ends a first connect that never succeeded when the agent stops. */
  private readonly connecting = new AbortController();

  constructor(
    private readonly config: Pick<AgentConfig, "host" | "nats" | "heartbeatSeconds">,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  /** Connects in the background (retrying until NATS answers), then subscribes. */
  open(h: LinkHandlers): void {
    void this.connect(h);
  }

  connected(): boolean {
    return (this.link.state === "connected" || this.link.state === "open") && !this.link.nc.isClosed();
  }

  /** False while not open: the status goes once it is. */
  async putStatus(s: HostStatus): Promise<boolean> {
    if (this.link.state !== "open") return false;
    await this.link.bus.putStatus(s);
    return true;
  }

  /** Logs the event and queues it for the event stream (dropped while never connected). */
  readonly emit: Emit = (type, severity, message, revision, data) => {
    const event: FleetEvent = {
      protocol: "kf.v1.event", id: randomUUID(), at: iso(this.clock()), source: "agent",
      host: this.config.host, type, severity, message, ...(revision ? { revision } : {}), ...(data ? { data } : {}),
    };
    this.log.info({ event: type, revision }, message);
    if (this.link.state === "open") this.link.bus.publishEvent(event);
  };

  /** The controller's CA over NATS; until the link is open, a request fails (a later converge asks again). */
  readonly issuer: CertificateIssuer = {
    request: (name, csr) => (this.link.state === "open" ? this.link.bus.requestCertificate(name, csr) : noIssuer.request(name, csr)),
  };

  /** Waits (2 s at most) for queued events to be stored, then drains the connection. */
  async close(): Promise<void> {
    const link = this.link;
    this.link = { state: "closed" };
    this.connecting.abort();
    if (link.state === "open") {
      await link.bus.flushEvents(2_000);
      link.bus.stop();
    }
    if ((link.state === "open" || link.state === "connected") && !link.nc.isClosed()) await link.nc.drain().catch(() => link.nc.close());
  }

  /** Read through a call: the link changes while connect() awaits. */
  private closed(): boolean {
    return this.link.state === "closed";
  }

  private async connect(h: LinkHandlers): Promise<void> {
    const { host, nats, heartbeatSeconds } = this.config;
    try {
      const nc = await connectNats(nats, `koji-fleet-agent-${host}`, agentInboxPrefix(host), {
        // Each failed attempt, with the address and why: an agent pointed at the wrong server says so.
        failed: (f) => this.log.warn({ nats: f.servers, reason: f.reason, attempt: f.attempt }, connectFailureText(f)),
        reconnected: (server) => this.log.info({ nats: server }, "NATS connection restored"),
        signal: this.connecting.signal,
      });
      if (this.closed()) return void (await nc.close());
      this.link = { state: "connected", nc };
      const bus = await AgentBus.open(nc, host, this.log);
      if (this.closed()) return bus.stop(); // close() drained the connection
      this.link = { state: "open", nc, bus };
      bus.onCommand("converge", async () => {
        h.converge();
        return { accepted: true };
      });
      bus.onCommand("plan", h.plan);
      void bus.watchDesired(h.desired, { checkMs: heartbeatSeconds * 1000 });
      h.opened();
    } catch (err) {
      if (!this.closed()) this.log.error({ err }, "cannot connect to NATS");
    }
  }
}
