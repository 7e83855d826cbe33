// How an agent receives its catalog without a JetStream consumer: a core subscription to its
// key's subject rings, a direct get fetches the entry with its revision (agent/bus.ts).
import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { AgentBus, type DesiredEntry } from "../agent/bus.js";
import { ControllerBus } from "../controller/nats/bus.js";
import { BUCKET_DESIRED, agentInboxPrefix } from "../shared/names.js";
import { createLogger, silentLogger } from "../shared/log.js";
import { startNats, type NatsHandle } from "./support/nats.js";
import { sleep } from "./support/wait.js";

const text = (e: DesiredEntry): string => new TextDecoder().decode(e.data);

describe("on a server without per-host users", () => {
  let nats: NatsHandle;
  let controller: NatsConnection;
  let agent: NatsConnection;
  beforeEach(async () => {
    nats = await startNats();
    controller = await connect({ servers: nats.url });
    agent = await connect({ servers: nats.url, inboxPrefix: agentInboxPrefix("host-a") });
  });
  afterEach(async () => {
    await agent?.close();
    await controller?.close();
    await nats?.stop();
  });

  it("delivers the value in force, then each put once and in order, never an older one after a newer", async () => {
    await ControllerBus.open(controller, silentLogger());
    const kv = await new Kvm(controller).open(BUCKET_DESIRED);
    await kv.put("host-a", "g0");
    const bus = await AgentBus.open(agent, "host-a", silentLogger());
    const got: DesiredEntry[] = [];
    await bus.watchDesired((e) => got.push(e), { checkMs: 60_000 });
    await expect.poll(() => got.map(text)).toEqual(["g0"]);
    // Puts faster than the agent gets: some may be skipped (the latest is what counts), none repeated.
    for (let i = 1; i <= 20; i++) await kv.put("host-a", `g${i}`);
    await kv.put("host-b", "not ours");
    await expect.poll(() => got.at(-1) && text(got.at(-1)!), { timeout: 5_000 }).toBe("g20");
    const revisions = got.map((e) => e.revision);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(new Set(revisions).size).toBe(revisions.length);
    expect(got.every((e) => !e.deleted && !text(e).includes("not ours"))).toBe(true);

    await kv.delete("host-a");
    await expect.poll(() => got.at(-1)?.deleted, { timeout: 5_000 }).toBe(true);
    bus.stop();
  });

  it("waits for a bucket that does not exist yet, then delivers its first put", async () => {
    const bus = await AgentBus.open(agent, "host-a", silentLogger());
    const got: DesiredEntry[] = [];
    await bus.watchDesired((e) => got.push(e), { retryMs: 100, checkMs: 60_000 });
    await sleep(300);
    expect(got).toEqual([]);
    await ControllerBus.open(controller, silentLogger());
    await (await new Kvm(controller).open(BUCKET_DESIRED)).put("host-a", "first");
    // A direct get to a stream that does not exist gets no answer: it times out after 5 s, and
    // the doorbell waits behind it. Only an agent started before the controller's first start sees this.
    await expect.poll(() => got.map(text), { timeout: 15_000 }).toEqual(["first"]);
    bus.stop();
  });

  it("creates no JetStream consumer: the server holds none however many agents listen", async () => {
    await ControllerBus.open(controller, silentLogger());
    const kv = await new Kvm(controller).open(BUCKET_DESIRED);
    const buses = await Promise.all(["host-a", "host-b", "host-c"].map((h) => AgentBus.open(agent, h, silentLogger())));
    const got = new Map<string, string>();
    await Promise.all(buses.map((b, i) => b.watchDesired((e) => got.set(`host-${"abc"[i]}`, text(e)), { checkMs: 60_000 })));
    for (const h of ["host-a", "host-b", "host-c"]) await kv.put(h, `for ${h}`);
    await expect.poll(() => got.size, { timeout: 5_000 }).toBe(3);
    expect(got.get("host-b")).toBe("for host-b");
    const info = await (await jetstreamManager(controller)).streams.info(`KV_${BUCKET_DESIRED}`);
    expect(info.state.consumer_count).toBe(0);
    for (const b of buses) b.stop();
  });
});

it("an agent whose NATS user may not subscribe to its key (a config from before the doorbell) says so and still gets each catalog at its check", async () => {
  const old = await startNats({
    config: `accounts { FLEET { jetstream: enabled
      users: [
        { user: "ctl", password: "c" }
        { user: "host-a", password: "a", permissions: {
          publish: { allow: ["$JS.API.DIRECT.GET.KV_kf-desired.$KV.kf-desired.host-a"] }
          subscribe: { allow: ["_INBOX_host-a.>"] } } }
      ] } }`,
  });
  const ctl = await connect({ servers: old.url, user: "ctl", pass: "c" });
  const nc = await connect({ servers: old.url, user: "host-a", pass: "a", inboxPrefix: agentInboxPrefix("host-a") });
  try {
    await ControllerBus.open(ctl, silentLogger());
    const kv = await new Kvm(ctl).open(BUCKET_DESIRED);
    await kv.put("host-a", "g1");
    const lines: string[] = [];
    const log = createLogger("test", { level: "warn", destination: new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) }) });
    const bus = await AgentBus.open(nc, "host-a", log);
    const got: DesiredEntry[] = [];
    await bus.watchDesired((e) => got.push(e), { checkMs: 300 });
    await expect.poll(() => lines.some((l) => l.includes("catalog doorbell refused")), { timeout: 5_000 }).toBe(true);
    await expect.poll(() => got.map(text), { timeout: 5_000 }).toEqual(["g1"]);
    await kv.put("host-a", "g2");
    await expect.poll(() => got.map(text), { timeout: 5_000 }).toEqual(["g1", "g2"]);
    bus.stop();
  } finally {
    await nc.close();
    await ctl.close();
    await old.stop();
  }
});
