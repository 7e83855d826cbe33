// What one host can still do to the others with its own NATS credentials (the per-host users and
// permissions rendered by nats-config.ts) once it is inside its own subjects: a rollup put on its
// own status key, events about others on its own event subject, oversized events. Each is
// refused by the real nats-server or dropped (and reported) by the real controller bus.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { startNatsServer, type NatsServer } from "./embedded-server.js";
import { ControllerBus } from "./bus.js";
import { ForgeryReports } from "../fleet/event-origin.js";
import { renderNatsConfig } from "./server-config.js";
import { silentLogger } from "../../shared/log.js";
import { BUCKET_STATUS, STREAM_EVENTS, agentInboxPrefix, eventSubject, kvSubject, statusKey } from "../../shared/names.js";
import type { FleetEvent, HostStatus } from "../../shared/protocol.js";
import { STATUS_MAX_BYTES } from "../../shared/bus-limits.js";
import { connectNats } from "../../shared/nats.js";
import { AgentBus } from "../../agent/bus.js";

const PW = { controller: "ctl-pw", "host-a": "a-pw", "host-b": "b-pw" };
const event = (over: Partial<FleetEvent>): FleetEvent =>
  ({ protocol: "kf.v1.event", id: `ev-${Math.random().toString(36).slice(2, 12)}`, at: new Date().toISOString(), source: "agent", host: "host-a", type: "applied", severity: "info", message: "ok", ...over }) as FleetEvent;

describe("a host confined to its own subjects, with its own credentials", () => {
  let dir: string;
  let server: NatsServer;
  let ctl: NatsConnection;
  let bus: ControllerBus;
  const conns: NatsConnection[] = [];
  const accepted: FleetEvent[] = [];
  const forged: { subject: string; reason: string }[] = [];
  const hostJs = async (host: "host-a" | "host-b"): Promise<JetStreamClient> => {
    const nc = await connect({ servers: server.url, user: host, pass: PW[host], inboxPrefix: agentInboxPrefix(host), maxReconnectAttempts: 0 });
    conns.push(nc);
    return jetstream(nc, { checkAPI: false });
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kf-confine-"));
    const config = renderNatsConfig({ hosts: ["host-a", "host-b"], hostPasswords: PW, controller: { user: "controller", password: PW.controller } });
    server = await startNatsServer({ storeDir: dir, config });
    ctl = await connect({ servers: server.url, user: "controller", pass: PW.controller });
    bus = await ControllerBus.open(ctl, silentLogger());
    bus.followEvents((e) => accepted.push(e), (subject, reason) => forged.push({ subject, reason }));
  });
  afterAll(async () => {
    bus?.stop();
    await Promise.all([...conns, ctl].map((c) => c?.close().catch(() => {})));
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("cannot wipe the other hosts' status with a rollup put of its own key", async () => {
    const b = await hostJs("host-b");
    await b.publish(kvSubject(BUCKET_STATUS, statusKey("host-b")), '{"host":"host-b"}');
    const a = await hostJs("host-a");
    const rollup = headers();
    rollup.set("Nats-Rollup", "all");
    await expect(a.publish(kvSubject(BUCKET_STATUS, statusKey("host-a")), '{"host":"host-a"}', { headers: rollup })).rejects.toThrow(/rollup not permitted/);
    // Its plain put still works, and host-b's status is still there.
    await a.publish(kvSubject(BUCKET_STATUS, statusKey("host-a")), '{"host":"host-a"}');
    const status = await new Kvm(jetstream(ctl)).open(BUCKET_STATUS);
    expect((await status.get("host-b"))?.string()).toBe('{"host":"host-b"}');
    expect((await status.get("host-a"))?.string()).toBe('{"host":"host-a"}');
  });

  it("cannot make the controller believe events it forged on its own subject, and is named for it", async () => {
    const a = await hostJs("host-a");
    const asController = event({ source: "controller", host: "host-b", type: "security", severity: "error", message: "host-b is compromised" });
    const aboutB = event({ host: "host-b", type: "failed", severity: "error", message: "host-b failed" });
    const aboutFleet = event({ host: undefined, type: "revision-rejected", message: "no host" });
    const own = event({ message: "host-a applied" });
    for (const e of [asController, aboutB, aboutFleet, own]) await a.publish(eventSubject("host-a"), JSON.stringify(e));

    await expect.poll(() => accepted.length + forged.length, { timeout: 5_000 }).toBe(4);
    expect(accepted.map((e) => e.id)).toEqual([own.id]);
    expect(forged.map((f) => f.subject)).toEqual(["kf.events.host-a", "kf.events.host-a", "kf.events.host-a"]);
    expect(forged[0]!.reason).toMatch(/host-a published a controller event/);
    expect(forged[1]!.reason).toMatch(/host-a published an event \(failed\) about host-b/);
    expect(forged[2]!.reason).toMatch(/about the whole fleet/);

    // what the controller records: a security event naming the sender, one per minute at most
    let now = Date.now();
    const reports = new ForgeryReports(() => new Date(now));
    const first = reports.event(forged[0]!.subject, forged[0]!.reason);
    expect(first).toMatchObject({ source: "controller", type: "security", severity: "error", host: "host-a", data: { subject: "kf.events.host-a" } });
    expect(first!.message).toMatch(/^forged event dropped: host-a published a controller event/);
    expect(reports.event(forged[1]!.subject, forged[1]!.reason)).toBeNull();
    now += 61_000;
    expect(reports.event(forged[2]!.subject, forged[2]!.reason)!.message).toMatch(/\(1 more on kf\.events\.host-a dropped since the last report\)$/);
  });

  it("cannot store an oversized event: nats-server refuses it", async () => {
    const a = await hostJs("host-a");
    const jsm = await jetstreamManager(ctl);
    const stored = async () => (await jsm.streams.info(STREAM_EVENTS)).state.messages;
    const before = await stored();
    // 100 KiB: well under the server's 1 MiB max_payload, over the stream's 64 KiB
    const big = JSON.stringify(event({ data: { pad: "x".repeat(100 * 1024) } }));
    await expect(a.publish(eventSubject("host-a"), big)).rejects.toThrow(/message size exceeds maximum allowed/);
    expect(await stored()).toBe(before);
  });

  it("the real agent cuts its own oversized event to fit, and refuses an oversized status clearly", async () => {
    const nc = await connectNats({ servers: [server.url], user: "host-a", pass: PW["host-a"] }, "agent-host-a", agentInboxPrefix("host-a"));
    conns.push(nc);
    const agent = await AgentBus.open(nc, "host-a", silentLogger());
    const huge = event({ type: "failed", severity: "error", message: "many failed", data: { failed: Array.from({ length: 2_000 }, (_, i) => `file:/etc/f${i}: ${"e".repeat(100)}`) } });
    agent.publishEvent(huge);
    await expect.poll(() => accepted.find((e) => e.id === huge.id), { timeout: 5_000 }).toMatchObject({ message: "many failed", data: { truncated: true } });
    const status = { protocol: "kf.v1.status", host: "host-a", probes: [{ output: "x".repeat(STATUS_MAX_BYTES) }] } as unknown as HostStatus;
    await expect(agent.putStatus(status)).rejects.toThrow(/status of host-a is \d+ bytes, over the 262144-byte limit of kf-status/);
    agent.stop();
  });
});
