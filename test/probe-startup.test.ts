// The start-up window: after a converge that changed the host (or the agent's first since it
// started), a failing probe says Starting
// (the host is Progressing, a rollout waits for it) while the agent re-probes every second;
// Ready the moment the probes pass, Failed once the window ends with them still failing.
// A real nats-server and agent, the catalogs signed with the controller's key; the probe is a
// `path` probe on a file the catalog does not make, standing in for a daemon that takes seconds
// to come up. The agent's Ready condition is read from kf-status (host-view.test.ts maps its
// reason Starting to the phase Progressing, which a rollout waits for instead of halting).
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm, type KV } from "@nats-io/kv";
import { BUCKET_STATUS } from "../shared/names.js";
import { TestFleet } from "./support/fleet.js";
import { waitFor } from "./support/wait.js";
import { CatalogPublisher, fileResource } from "./scenarios/signed-catalog.js";
import type { Condition, HostStatus, Probe } from "../shared/protocol.js";

const HOST = "cs10-koji-04";
const pathProbe = (path: string): Probe => ({ id: `path:${path}`, kind: "path", props: { path, type: "file" } });
// The timer would probe again only after an hour: what the tests see comes from the window.
const SLOW_TIMER = { probeSeconds: 3600, reconvergeSeconds: 3600 };

describe("probes in the start-up window after a converge", () => {
  let fleet: TestFleet;
  let nc: NatsConnection;
  let catalogs: CatalogPublisher;
  let statuses: KV;

  beforeAll(async () => {
    fleet = await TestFleet.start();
    await fleet.waitReady((await fleet.remote.git("rev-parse", "HEAD")).trim());
    nc = await connect({ servers: fleet.nats.url });
    catalogs = await CatalogPublisher.open(fleet, nc, HOST);
    statuses = await new Kvm(nc).open(BUCKET_STATUS);
  });
  afterAll(async () => {
    await nc?.close();
    await fleet?.stop();
  });

  const status = async (): Promise<HostStatus> => (await statuses.get(HOST))!.json<HostStatus>();
  const ready = (s: HostStatus): Condition | undefined => s.conditions.find((c) => c.type === "Ready");
  const readyIs = (reason: string) => async () => {
    const s = await status();
    return ready(s)?.reason === reason ? s : false;
  };
  const restartAgent = async (probeStartupSeconds: number) => {
    await fleet.stopAgent(HOST);
    fleet.startAgent(HOST, { ...SLOW_TIMER, probeStartupSeconds });
  };
  const atGeneration = (generation: number) => async () => {
    const s = await status();
    return s.applied?.generation === generation ? s : false;
  };

  it("a probe not passing yet is Starting, and Ready within a second of passing", async () => {
    await restartAgent(60);
    const probe = pathProbe("/run/kojid/checked-in");
    const generation = await catalogs.publish(1, [fileResource("/srv/startup/app.conf", "v1\n")], [probe]);
    const starting = await waitFor(atGeneration(generation), { timeoutMs: 15_000, message: "the catalog applied" });
    expect(ready(starting)).toMatchObject({ status: "False", reason: "Starting" });
    expect(ready(starting)?.message).toContain("probe path:/run/kojid/checked-in not passing yet after the converge");
    expect(starting.probes.filter((p) => !p.healthy).map((p) => p.id)).toEqual([probe.id]);

    const marker = join(fleet.root(HOST), "run/kojid/checked-in");
    await mkdir(dirname(marker), { recursive: true });
    await writeFile(marker, "ok\n");
    const now = await waitFor(readyIs("Converged"), { timeoutMs: 10_000, message: `${HOST} Ready once the probe passes` });
    expect(ready(now)?.status).toBe("True");
  });

  it("still failing when the window ends: failing with the probe's failure, reported then", async () => {
    await restartAgent(2);
    const generation = await catalogs.publish(2, [fileResource("/srv/startup/app.conf", "v2\n")], [pathProbe("/run/never/there")]);
    const first = await waitFor(atGeneration(generation), { timeoutMs: 15_000, message: "the catalog applied" });
    expect(ready(first)?.reason).toBe("Starting");
    const failed = await waitFor(readyIs("ProbeFailing"), { timeoutMs: 10_000, message: `${HOST} failing once the window ended` });
    expect(ready(failed)?.status).toBe("False");
    expect(ready(failed)?.message).toMatch(/^probe path:\/run\/never\/there failing since .*: \/run\/never\/there: absent$/);
  });

  it("probeStartupSeconds: 0 turns the window off: the failure counts at once", async () => {
    await restartAgent(0);
    const generation = await catalogs.publish(3, [fileResource("/srv/startup/app.conf", "v3\n")], [pathProbe("/run/never/there")]);
    const s = await waitFor(atGeneration(generation), { timeoutMs: 15_000, message: "the catalog applied" });
    expect(ready(s)).toMatchObject({ status: "False", reason: "ProbeFailing" });
  });

  it("the agent's first converge since it started opens the window too (a reboot), though it changed nothing", async () => {
    const before = (await status()).startedAt;
    await restartAgent(60);
    const s = await waitFor(async () => {
      const now = await status();
      return now.startedAt !== before && now.lastConverge !== null ? now : false;
    }, { timeoutMs: 15_000, message: "the restarted agent's first report after its converge" });
    expect(s.lastConverge?.changed).toBe(0);
    expect(ready(s)).toMatchObject({ status: "False", reason: "Starting" });
  });
});
