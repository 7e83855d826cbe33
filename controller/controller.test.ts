// The controller's lifecycle on a real nats-server and git repository: the stages it goes
// through, and a stop() that comes while start() is still under way.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Controller } from "./controller.js";
import { withDefaults } from "./daemon-config.js";
import { startNats, type NatsHandle } from "../test/support/nats.js";
import { createRemote, type Remote } from "../test/support/git.js";
import { makeTmpDir, removeDir } from "../test/support/tmp.js";
import { freePort } from "../test/support/net.js";

describe("Controller lifecycle", () => {
  let nats: NatsHandle;
  let remote: Remote;
  let dir: string;
  beforeAll(async () => {
    nats = await startNats();
    remote = await createRemote();
    await remote.commitAll("initial fleet", { "fleet.yaml": await readFile(new URL("../gitops/fleet.yaml", import.meta.url), "utf8") });
    dir = await makeTmpDir("kf-controller-");
  });
  afterAll(async () => {
    await nats?.stop();
    await remote?.cleanup();
    await removeDir(dir);
  });

  const controller = (port: number) =>
    new Controller(withDefaults({ git: { url: remote.bareDir, pollSeconds: 3600 }, nats: { servers: [nats.url] }, http: { host: "127.0.0.1", port }, stateDir: join(dir, "state") }));

  it("initialized → running (ready after its first reconcile) → stopped; a second stop changes nothing", async () => {
    const c = controller(0);
    expect(c.state).toBe("initialized");
    const url = await c.start();
    expect({ state: c.state, readiness: c.readiness(), hosts: c.fleet.intended.size }).toEqual({ state: "running", readiness: { ready: true, reason: "ok" }, hosts: 5 });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await c.stop();
    expect({ state: c.state, readiness: c.readiness() }).toEqual({ state: "stopped", readiness: { ready: false, reason: "controller is stopped" } });
    await c.stop();
    expect(c.state).toBe("stopped");
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it("a stop while start() is still connecting ends the start: nothing is left serving", async () => {
    const port = await freePort();
    const c = controller(port);
    const started = c.start();
    await c.stop();
    await expect(started).rejects.toThrow(/stopped while it started/);
    expect(c.state).toBe("stopped");
    await new Promise((r) => setTimeout(r, 500));
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
