// Scenario 2 of issue 10: the controller (the real CLI, a child process) is SIGKILLed while a
// rollout is half done and started again. It recovers from git and KV and finishes the rollout:
// no host gets an older catalog, no catalog is published twice, nothing is applied twice.
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { TestFleet, HOSTS } from "../support/fleet.js";
import { waitFor } from "../support/wait.js";
import { HUB, expectPublishedOnceInOrder, holdRolloutAfterFirstWave } from "./half-rollout.js";
import type { FleetEvent } from "../../shared/protocol.js";

const CLI = new URL("../../bin/koji-fleet.js", import.meta.url).pathname;
const BUILDER = "cs10-koji-03";

describe("scenario: controller SIGKILL mid-rollout", () => {
  let fleet: TestFleet;
  let nc: NatsConnection;
  let configFile: string;
  let child: ChildProcess | null = null;
  let childLog = "";

  async function startController(): Promise<void> {
    child = spawn(process.execPath, [CLI, "controller", "--config", configFile], { stdio: ["ignore", "pipe", "pipe"] });
    for (const s of [child.stdout!, child.stderr!]) s.on("data", (d: Buffer) => (childLog = (childLog + d.toString()).slice(-4_000)));
    await waitFor(async () => (await fetch(`${fleet.apiUrl}/readyz`).catch(() => null))?.status === 200, { timeoutMs: 30_000, message: "controller ready" }).catch((err: Error) => {
      throw new Error(`${err.message}\ncontroller log: ${childLog}`);
    });
  }
  async function killController(): Promise<void> {
    const c = child!;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await exited;
  }

  beforeAll(async () => {
    fleet = await TestFleet.start();
    const head = (await fleet.remote.git("rev-parse", "HEAD")).trim();
    await fleet.waitReady(head);
    // From here on the controller is the CLI, on the same git, NATS, CA and state directory.
    await fleet.controller.stop();
    const cli = await fleet.writeControllerConfig("controller");
    configFile = cli.file;
    fleet.apiUrl = cli.url;
    await startController();
    nc = await connect({ servers: fleet.nats.url });
  }, 120_000);
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) await killController();
    await nc?.close();
    await fleet?.stop();
  });

  it("finishes the rollout after a restart, each host getting the new catalog exactly once", async () => {
    const { before, next } = await holdRolloutAfterFirstWave(fleet);
    const rollout = await fleet.api<{ revision: string; phase: string; waiting: Record<string, unknown> }>("/api/v1/rollouts/current");
    expect(rollout).toMatchObject({ revision: next, phase: "Progressing" });

    await killController();
    await startController();
    fleet.startAgent(HUB);
    const views = await fleet.waitReady(next, HOSTS, 60_000);
    expect(views.map((v) => [v.host, v.revision, v.phase])).toEqual(HOSTS.map((h) => [h, next, "Ready"]));
    expect(await fleet.api<{ inForce: string }>("/api/v1/revisions")).toMatchObject({ inForce: next });

    await expectPublishedOnceInOrder(nc, HOSTS, next, before);
    expect((await fleet.api<{ events: FleetEvent[] }>(`/api/v1/events?host=${BUILDER}&type=applied`)).events.filter((e) => e.revision === next)).toHaveLength(1);
  }, 180_000);
});
