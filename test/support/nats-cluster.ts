// A real 3-member nats-server cluster on loopback, each member started with `nats-server -c`
// and the configuration renderNatsConfig writes for `koji-fleet nats-config --cluster`:
// password users for the fleet, a route secret, JetStream on every member.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { renderNatsConfig } from "../../controller/nats/server-config.js";
import { startNatsServer, type NatsServer } from "../../controller/nats/embedded-server.js";
import type { NatsConfig } from "../../shared/nats.js";
import { freePort } from "./net.js";
import { waitFor } from "./wait.js";

export interface ClusterNode {
  readonly name: string;
  readonly server: NatsServer;
}

export class NatsCluster {
  private constructor(
    readonly nodes: readonly ClusterNode[],
    private readonly passwords: Readonly<Record<string, string>>,
  ) {}

  /** Starts the members and waits until JetStream has a metadata leader. */
  static async start(dir: string, hosts: readonly string[], size = 3): Promise<NatsCluster> {
    const users = ["controller", "enroll", ...hosts];
    const pw = Object.fromEntries(users.map((u) => [u, randomBytes(12).toString("base64url")]));
    const members = await Promise.all(
      Array.from({ length: size }, async (_, i) => ({ name: `n${i + 1}`, client: await freePort(), route: await freePort() })),
    );
    const routePassword = randomBytes(18).toString("base64url");
    const nodes = await Promise.all(
      members.map(async (m) => {
        const config = renderNatsConfig({
          hosts,
          controller: { user: "controller", password: pw.controller! },
          enrollment: { user: "enroll", password: pw.enroll! },
          hostPasswords: pw,
          listen: { host: "127.0.0.1", port: m.client },
          jetstreamStoreDir: join(dir, m.name, "jetstream"),
          cluster: { name: "kf", serverName: m.name, listen: { host: "127.0.0.1", port: m.route }, routes: members.map((x) => ({ host: "127.0.0.1", port: x.route })), routePassword },
        });
        return { name: m.name, server: await startNatsServer({ storeDir: join(dir, m.name), config, configOnly: true }) };
      }),
    );
    const cluster = new NatsCluster(nodes, pw);
    await cluster.waitForMetaLeader();
    return cluster;
  }

  /** Client settings for a fleet user: every member listed, as production would. */
  natsFor(user: string): NatsConfig {
    const pass = this.passwords[user];
    if (pass === undefined) throw new Error(`no cluster user ${user}`);
    return { servers: this.nodes.map((n) => n.server.url), user, pass, reconnectWaitMs: 100 };
  }

  node(name: string): ClusterNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no member ${name}`);
    return n;
  }

  /** The member leading a stream's Raft group, and how many of its replicas are current. */
  async streamInfo(stream: string): Promise<{ leader: string; replicas: number; currentPeers: number }> {
    const nc = await connect({ ...this.natsFor("controller"), maxReconnectAttempts: 0 });
    try {
      const info = await (await jetstreamManager(nc)).streams.info(stream);
      const peers = info.cluster?.replicas ?? [];
      return { leader: info.cluster?.leader ?? "", replicas: info.config.num_replicas, currentPeers: peers.filter((p) => p.current && !p.offline).length };
    } finally {
      await nc.close();
    }
  }

  private async waitForMetaLeader(): Promise<void> {
    await waitFor(
      async () => {
        const nc = await connect({ ...this.natsFor("controller"), maxReconnectAttempts: 0 });
        try {
          await (await jetstreamManager(nc)).getAccountInfo();
          return true;
        } finally {
          await nc.close();
        }
      },
      { timeoutMs: 20_000, message: "a JetStream metadata leader in the cluster" },
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.server.stop()));
  }
}
