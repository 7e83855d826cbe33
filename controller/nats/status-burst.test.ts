// The status path at fleet.yaml's limit: one heartbeat interval in which all 10,000 hosts report
// at once (a farm-wide change ends that way too), through a real nats-server, must reach the
// controller's status listener whole: every host, each with the status it put last.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { startNatsServer, type NatsServer } from "./embedded-server.js";
import { ControllerBus } from "./bus.js";
import { silentLogger } from "../../shared/log.js";
import { BUCKET_STATUS } from "../../shared/names.js";
import type { HostStatus } from "../../shared/protocol.js";
import { MAX_HOSTS } from "../config/fleet-schema.js";

const HOSTS = Array.from({ length: MAX_HOSTS }, (_, i) => `h${String(i).padStart(5, "0")}`);
/** Agents' connections, each putting its share of the hosts' statuses all at once. */
const SENDERS = 20;

const statusOf = (host: string, lastSeen: string): HostStatus => ({
  protocol: "kf.v1.status", host, agentVersion: "test", startedAt: "2026-12-06T00:00:00.000Z", lastSeen, heartbeatSeconds: 60,
  observed: { revision: "a".repeat(40), generation: 1, digest: `sha256:${"0".repeat(64)}` }, applied: { revision: "a".repeat(40), generation: 1, digest: `sha256:${"0".repeat(64)}` },
  lastConverge: null, conditions: [{ type: "Ready", status: "True", reason: "Converged", message: "", lastTransitionTime: lastSeen }], resources: [], probes: [],
});

describe(`the controller's status watch takes ${MAX_HOSTS} heartbeats of one interval`, () => {
  let dir: string;
  let server: NatsServer;
  let controllerNc: NatsConnection;
  let senders: NatsConnection[] = [];
  let bus: ControllerBus;
  const seen = new Map<string, string>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kf-status-burst-"));
    server = await startNatsServer({ storeDir: dir });
    controllerNc = await connect({ servers: server.url });
    bus = await ControllerBus.open(controllerNc, silentLogger());
    await bus.followStatus((host, s) => (s ? seen.set(host, s.lastSeen) : seen.delete(host)));
    senders = await Promise.all(Array.from({ length: SENDERS }, () => connect({ servers: server.url })));
  });
  afterAll(async () => {
    bus?.stop();
    await Promise.all([controllerNc, ...senders].map((nc) => nc?.close()));
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Every host puts its status with `lastSeen`, all in flight at once. */
  const interval = async (lastSeen: string): Promise<void> => {
    await Promise.all(senders.map(async (nc, s) => {
      const status = await new Kvm(jetstream(nc)).open(BUCKET_STATUS);
      await Promise.all(HOSTS.filter((_, i) => i % SENDERS === s).map((h) => status.put(h, JSON.stringify(statusOf(h, lastSeen)))));
    }));
  };

  const missing = (lastSeen: string): string[] => HOSTS.filter((h) => seen.get(h) !== lastSeen);

  it("the first statuses of every host, then a heartbeat from every host: none lost", { timeout: 300_000 }, async () => {
    for (const lastSeen of ["2026-12-06T00:00:00.000Z", "2026-12-06T00:01:00.000Z"]) {
      await interval(lastSeen);
      await vi.waitFor(() => expect(missing(lastSeen)).toEqual([]), { timeout: 120_000, interval: 200 });
      expect(seen.size).toBe(MAX_HOSTS);
    }
  });
});
