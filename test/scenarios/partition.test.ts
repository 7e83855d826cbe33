// Scenario 4 of issue 10: an agent in its own network namespace, joined to the nats-server by a
// veth pair, loses its link while two commits land. While cut off the controller shows it
// Unknown with a since, never Ready; once the link is back it applies the latest within 5 s.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { TestFleet } from "../support/fleet.js";
import { waitFor } from "../support/wait.js";
import type { HostView } from "../../shared/api/hosts.js";
import { ChildAgent } from "./child-agent.js";

const run = promisify(execFile);
const ip = (...args: string[]) => run("ip", args);
const HOST = "cs10-koji-03";
const example = await readFile(new URL("../../gitops/fleet.yaml", import.meta.url), "utf8");
const withMaxjobs = (n: number) => example.replace("maxjobs: 10", `maxjobs: ${n}`);

describe("scenario: host partition", () => {
  const id = randomBytes(3).toString("hex");
  const ns = `kf-part-${id}`;
  const hostSide = `kfh${id}`;
  const nsSide = `kfn${id}`;
  const subnet = `10.${200 + (parseInt(id.slice(0, 2), 16) % 50)}.${parseInt(id.slice(2, 4), 16)}`;
  let fleet: TestFleet;
  let agent: ChildAgent;
  const view = async (): Promise<HostView> => (await fleet.hosts()).find((h) => h.host === HOST)!;

  beforeAll(async () => {
    await ip("netns", "add", ns);
    await ip("link", "add", hostSide, "type", "veth", "peer", "name", nsSide);
    await ip("link", "set", nsSide, "netns", ns);
    await ip("addr", "add", `${subnet}.1/30`, "dev", hostSide);
    await ip("link", "set", hostSide, "up");
    await ip("-n", ns, "addr", "add", `${subnet}.2/30`, "dev", nsSide);
    await ip("-n", ns, "link", "set", nsSide, "up");
    await ip("-n", ns, "link", "set", "lo", "up");
    fleet = await TestFleet.start({ natsHost: "0.0.0.0" });
    await fleet.waitReady((await fleet.remote.git("rev-parse", "HEAD")).trim());
    await fleet.stopAgent(HOST);
    agent = await ChildAgent.configure(fleet, HOST, { servers: [`nats://${subnet}.1:${fleet.nats.port}`], prefix: ["ip", "netns", "exec", ns] });
  }, 120_000);
  afterAll(async () => {
    await agent?.kill();
    await fleet?.stop();
    await ip("link", "del", hostSide).catch(() => undefined);
    await ip("netns", "del", ns).catch(() => undefined);
  });

  it("is Unknown while cut off, then applies the latest of two commits within 5 s", async () => {
    const first = await fleet.push("maxjobs 7", { "fleet.yaml": withMaxjobs(7) });
    agent.start();
    await fleet.waitReady(first, [HOST]).catch((err: Error) => {
      throw new Error(`${err.message}\nagent log: ${agent.log}`);
    });

    await ip("link", "set", hostSide, "down");
    const cut = Date.now();
    await fleet.push("maxjobs 8", { "fleet.yaml": withMaxjobs(8) });
    const latest = await fleet.push("maxjobs 9", { "fleet.yaml": withMaxjobs(9) });
    const unknown = await waitFor(async () => ((await view()).phase === "Unknown" ? view() : false), { timeoutMs: 30_000, message: "Unknown while cut off" });
    const ready = unknown.conditions.find((c) => c.type === "Ready");
    expect(ready).toMatchObject({ status: "Unknown", reason: "AgentSilent" });
    expect(Date.parse(ready!.lastTransitionTime)).toBeLessThanOrEqual(Date.now());
    // Sampled for a while longer: never Ready while the link is down.
    for (let i = 0; i < 10; i++) {
      expect((await view()).phase).toBe("Unknown");
      await new Promise((r) => setTimeout(r, 200));
    }

    await ip("link", "set", hostSide, "up");
    const back = performance.now();
    await fleet.waitReady(latest, [HOST], 15_000);
    const took = performance.now() - back;
    console.log(`partition: cut for ${Date.now() - cut} ms, latest applied ${Math.round(took)} ms after the link came back`);
    expect(took, `applied ${Math.round(took)} ms after the link came back (cut for ${Date.now() - cut} ms)`).toBeLessThan(5_000);
  }, 180_000);

  // Longer than nats-server's write deadline: the server drops the connection while the
  // agent's TCP sits in retransmission back-off. The agent's own pings must notice and reconnect.
  it("after a 25 s cut, applies the latest within 5 s of the link coming back", async () => {
    await ip("link", "set", hostSide, "down");
    const cut = Date.now();
    const latest = await fleet.push("maxjobs 11", { "fleet.yaml": withMaxjobs(11) });
    await waitFor(async () => (await view()).phase === "Unknown", { timeoutMs: 30_000, message: "Unknown while cut off" });
    await new Promise((r) => setTimeout(r, Math.max(0, 25_000 - (Date.now() - cut))));
    expect((await view()).phase).toBe("Unknown");

    await ip("link", "set", hostSide, "up");
    const back = performance.now();
    await fleet.waitReady(latest, [HOST], 15_000);
    const took = performance.now() - back;
    console.log(`partition: cut for ${Date.now() - cut} ms, latest applied ${Math.round(took)} ms after the link came back`);
    expect(took, `applied ${Math.round(took)} ms after a ${Date.now() - cut} ms cut`).toBeLessThan(5_000);
  }, 120_000);
});
