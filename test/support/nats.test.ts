import { existsSync } from "node:fs";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startNats, type NatsHandle } from "./nats.js";
import { waitFor } from "./wait.js";

/** Fresh connection per step: the point is what the server kept, not client reconnects. */
async function withKv<T>(nats: NatsHandle, fn: (kv: Awaited<ReturnType<Kvm["create"]>>) => Promise<T>): Promise<T> {
  const nc: NatsConnection = await connect({ servers: nats.url });
  try {
    return await fn(await new Kvm(nc).create("x"));
  } finally {
    await nc.close();
  }
}

describe("startNats", () => {
  let nats: NatsHandle;
  beforeAll(async () => {
    nats = await startNats();
  });
  afterAll(() => nats.stop());

  test("serves JetStream KV on 127.0.0.1", async () => {
    expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
    expect(nats.pid).toBeGreaterThan(0);
    await withKv(nats, async (kv) => {
      await kv.put("h1", "v1");
      expect((await kv.get("h1"))?.string()).toBe("v1");
    });
  });

  test("restart keeps the port and the stored KV data", async () => {
    const { port, pid } = nats;
    await nats.restart();
    expect(nats.port).toBe(port);
    expect(nats.pid).not.toBe(pid);
    expect(await withKv(nats, async (kv) => (await kv.get("h1"))?.string())).toBe("v1");
  });

  test("kill then start recovers the file store", async () => {
    await withKv(nats, (kv) => kv.put("h2", "v2"));
    await nats.kill();
    expect(nats.pid).toBe(0);
    await expect(connect({ servers: nats.url, reconnect: false })).rejects.toThrow();
    await nats.start();
    expect(await withKv(nats, async (kv) => (await kv.get("h2"))?.string())).toBe("v2");
  });

  test("a connected client reconnects across a restart", async () => {
    const nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    let reconnects = 0;
    void (async () => {
      for await (const s of nc.status()) if (s.type === "reconnect") reconnects++;
    })();
    try {
      await nats.restart();
      // JetStream requests sent while disconnected are lost and time out after 5 s: wait first.
      await waitFor(() => reconnects > 0, { timeoutMs: 5_000, message: "client reconnect" });
      expect((await (await new Kvm(nc).open("x")).get("h1"))?.string()).toBe("v1");
    } finally {
      await nc.close();
    }
  });
});

test("stop removes the store; start afterwards serves again on the same port", async () => {
  const nats = await startNats();
  const port = nats.port;
  await withKv(nats, (kv) => kv.put("k", "v"));
  await nats.stop();
  expect(existsSync(nats.storeDir)).toBe(false);
  await nats.start();
  expect(nats.port).toBe(port);
  expect(await withKv(nats, async (kv) => (await kv.get("k"))?.string() ?? null)).toBeNull();
  await nats.stop();
});

test("stop({ keepStore }) then start keeps the data", async () => {
  const nats = await startNats();
  await withKv(nats, (kv) => kv.put("k", "kept"));
  await nats.stop({ keepStore: true });
  await nats.start();
  expect(await withKv(nats, async (kv) => (await kv.get("k"))?.string())).toBe("kept");
  await nats.stop();
});

test("extra config text is applied, and a bad config fails fast with stderr", async () => {
  const nats = await startNats({ config: "max_payload: 65536\n" });
  const nc = await connect({ servers: nats.url });
  expect(nc.info?.max_payload).toBe(65536);
  await nc.close();
  await nats.stop();
  await expect(startNats({ config: "this is { not valid" })).rejects.toThrow(/nats-server exited before it was ready[\s\S]*stderr:/);
});

test("reload applies a new config in place, and a refused one is reported while the old one stays", async () => {
  const users = (pw: string) => `authorization { users: [ { user: "u", password: "${pw}" } ] }\n`;
  const nats = await startNats({ config: users("one") });
  const pid = nats.pid;
  await nats.reload(users("two"));
  await expect(connect({ servers: nats.url, user: "u", pass: "one", maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization Violation/i);
  await (await connect({ servers: nats.url, user: "u", pass: "two" })).close();
  await expect(nats.reload("this is { not valid")).rejects.toThrow(/nats-server refused the new configuration/);
  await (await connect({ servers: nats.url, user: "u", pass: "two" })).close();
  expect(nats.pid).toBe(pid);
  await nats.stop();
});
