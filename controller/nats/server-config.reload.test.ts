// Production style: nats-server started with `-c FILE` only (listen and JetStream store in the
// rendered file), then a host revoked by rewriting the file and `nats-server --signal reload`.
// The embedded launcher cannot be used here: its -js/-sd flags break a reload (see docs/nats.md).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { freePort } from "../../test/support/net.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { findNatsServer } from "./embedded-server.js";
import { ControllerBus } from "./bus.js";
import { AgentBus, type DesiredEntry } from "../../agent/bus.js";
import { silentLogger } from "../../shared/log.js";
import { agentInboxPrefix } from "../../shared/names.js";
import type { Catalog } from "../../shared/protocol.js";
import { renderNatsConfig, type NatsConfigInput } from "./server-config.js";

let dir: string;
let bin: string;
let proc: ChildProcess | undefined;
const conns: NatsConnection[] = [];

const catalog = (generation: number): Catalog =>
  ({ protocol: "kf.v1.catalog", host: "host-a", revision: "abcdef1", generation, issuedAt: new Date().toISOString(), digest: `sha256:${"0".repeat(64)}`, roles: [], resources: [], probes: [] }) as Catalog;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kf-natsreload-"));
  bin = await findNatsServer();
});
afterAll(async () => {
  await Promise.all(conns.map((c) => c.close().catch(() => {})));
  proc?.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

it("revokes a host on `nats-server --signal reload`, and JetStream keeps working", async () => {
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  const input: NatsConfigInput = {
    hosts: ["host-a", "host-b"],
    hostPasswords: { "host-a": "a-pw", "host-b": "b-pw" },
    controller: { user: "controller", password: "ctl-pw" },
    listen: { host: "127.0.0.1", port },
    jetstreamStoreDir: join(dir, "js"),
  };
  const conf = join(dir, "nats.conf");
  await writeFile(conf, renderNatsConfig(input));
  const p = spawn(bin, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  proc = p;
  let log = "";
  p.stderr!.setEncoding("utf8").on("data", (d: string) => void (log += d));
  await expect.poll(() => log, { timeout: 5_000 }).toContain("Server is ready");

  const login = async (user: string, pass: string, inboxPrefix?: string): Promise<NatsConnection> => {
    const nc = await connect({ servers: url, user, pass, maxReconnectAttempts: 0, ...(inboxPrefix ? { inboxPrefix } : {}) });
    conns.push(nc);
    return nc;
  };
  const bus = await ControllerBus.open(await login("controller", "ctl-pw"), silentLogger());
  await bus.putCatalog(catalog(1));
  const agent = await AgentBus.open(await login("host-a", "a-pw", agentInboxPrefix("host-a")), "host-a", silentLogger());
  const got: DesiredEntry[] = [];
  void agent.watchDesired((e) => got.push(e), { retryMs: 100 });
  await expect.poll(() => got.length, { timeout: 5_000 }).toBe(1);
  const hostB = await login("host-b", "b-pw", agentInboxPrefix("host-b"));

  await writeFile(conf, renderNatsConfig({ ...input, revokedHosts: ["host-b"] }));
  await promisify(execFile)(bin, ["--signal", `reload=${p.pid}`]);

  expect(String(await hostB.closed())).toMatch(/Authorization Violation/i); // kicked out at once
  await expect(connect({ servers: url, user: "host-b", pass: "b-pw", maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization Violation/i);
  await bus.putCatalog(catalog(2)); // JetStream survived the reload, and so did host-a's doorbell
  await expect.poll(() => got.length, { timeout: 5_000 }).toBe(2);
  expect(log).toContain("Reloaded server configuration");
  expect(log).not.toMatch(/JetStream Shutdown|Failed to reload/);
  agent.stop();
  bus.stop();
});
