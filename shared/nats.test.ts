// connectNats against a real nats-server: every failed attempt is reported with the address and
// the reason, on the first connect (refused, wrong password) and on reconnects.
import { afterAll, describe, expect, it } from "vitest";
import { connectNats, connectFailureText, type ConnectFailure } from "./nats.js";
import { startNats, type NatsHandle } from "../test/support/nats.js";
import { freePort } from "../test/support/net.js";
import { waitFor } from "../test/support/wait.js";

const servers: NatsHandle[] = [];
afterAll(async () => Promise.all(servers.map((s) => s.stop())));

describe("connectNats reports each failed attempt", { timeout: 30_000 }, () => {
  it("nothing listening: one report per attempt (connection refused), until stopped", async () => {
    const port = await freePort();
    const failures: ConnectFailure[] = [];
    const abort = new AbortController();
    const connecting = connectNats({ servers: [`nats://127.0.0.1:${port}`], reconnectWaitMs: 100 }, "t", undefined, { failed: (f) => failures.push(f), signal: abort.signal });
    await waitFor(() => failures.length >= 3, { timeoutMs: 5_000, message: "three failed attempts" });
    expect(failures.slice(0, 3).map((f) => f.attempt)).toEqual([1, 2, 3]);
    expect(failures[0]!.servers).toEqual([`nats://127.0.0.1:${port}`]);
    expect(failures[0]!.reason).toMatch(/^connection refused/);
    expect(connectFailureText(failures[0]!)).toBe(`cannot connect to NATS at nats://127.0.0.1:${port}: ${failures[0]!.reason} (attempt 1; retrying)`);
    abort.abort(new Error("stopped"));
    await expect(connecting).rejects.toThrow("stopped");
  });

  it("a wrong password: the server's refusal is the reason", async () => {
    const server = await startNats({ config: 'authorization { users: [ { user: "a", password: "right" } ] }\n' });
    servers.push(server);
    const failures: ConnectFailure[] = [];
    const abort = new AbortController();
    const connecting = connectNats({ servers: [server.url], user: "a", pass: "wrong", reconnectWaitMs: 100 }, "t", undefined, { failed: (f) => failures.push(f), signal: abort.signal });
    connecting.catch(() => undefined);
    await waitFor(() => failures.length >= 2, { timeoutMs: 5_000, message: "two failed attempts" });
    expect(failures[0]!.reason).toMatch(/authorization/i);
    abort.abort(new Error("stopped"));
    await expect(connecting).rejects.toThrow("stopped");
  });

  it("a lost link: each failed reconnect is reported with the server's address, then the reconnect", async () => {
    const server = await startNats();
    servers.push(server);
    const failures: ConnectFailure[] = [];
    let back = "";
    const nc = await connectNats({ servers: [server.url], reconnectWaitMs: 100 }, "t", undefined, { failed: (f) => failures.push(f), reconnected: (s) => (back = s) });
    try {
      await server.stop({ keepStore: true });
      await waitFor(() => failures.length >= 2, { timeoutMs: 10_000, message: "two failed reconnects" });
      expect(failures[0]!.servers[0]).toContain(`127.0.0.1:${server.port}`);
      expect(failures.slice(0, 2).map((f) => f.attempt)).toEqual([1, 2]);
      await server.start();
      await waitFor(() => back !== "", { timeoutMs: 10_000, message: "reconnected" });
      expect(back).toContain(`${server.port}`);
    } finally {
      await nc.close();
    }
  });
});
