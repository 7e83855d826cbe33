// The controller's NATS connection and bus: the first thing it makes and the last it closes.
// Standby or leader, everything the controller does goes through it.
import type { NatsConnection } from "@nats-io/transport-node";
import { connectNats, type ConnectWatch, type NatsConfig } from "../../shared/nats.js";
import type { Logger } from "../../shared/log.js";
import { ControllerBus } from "./bus.js";

export class NatsLink {
  private constructor(
    readonly nc: NatsConnection,
    readonly bus: ControllerBus,
    private readonly status: { up: boolean },
  ) {}

  /** Connects (retrying as shared/nats.ts does) and opens the buckets and the event stream. */
  static async open(nats: NatsConfig, replicas: number, log: Logger, watch: ConnectWatch = {}): Promise<NatsLink> {
    const nc = await connectNats(nats, "koji-fleet-controller", undefined, watch);
    const status = { up: true };
    void watchStatus(nc, status, log);
    try {
      return new NatsLink(nc, await ControllerBus.open(nc, log, { replicas }), status);
    } catch (err) {
      await drain(nc);
      throw err;
    }
  }

  /** False from a disconnect until the reconnect. */
  get up(): boolean {
    return this.status.up;
  }

  async close(): Promise<void> {
    this.bus.stop();
    await drain(this.nc);
  }
}

async function watchStatus(nc: NatsConnection, status: { up: boolean }, log: Logger): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === "disconnect") status.up = false;
    if (s.type === "reconnect") status.up = true;
    log.info({ nats: s.type }, "NATS connection status");
  }
}

const drain = async (nc: NatsConnection): Promise<void> => {
  if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
};
