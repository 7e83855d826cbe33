// Scenario 1 of issue 10: the nats-server crashes (SIGKILL) and comes back while a 5-host
// rollout is half done. The rollout completes, no host is stuck or gets an older catalog,
// and every host's applied status and event for the new revision arrive.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestFleet, HOSTS } from "../support/fleet.js";
import { waitFor } from "../support/wait.js";
import { HUB, holdRolloutAfterFirstWave } from "./half-rollout.js";
import type { FleetEvent } from "../../shared/protocol.js";


describe("scenario: NATS restart mid-rollout", () => {
  let fleet: TestFleet;
  let before: string;

  beforeAll(async () => {
    fleet = await TestFleet.start();
    before = (await fleet.remote.git("rev-parse", "HEAD")).trim();
    await fleet.waitReady(before);
  });
  afterAll(async () => fleet?.stop());

  it("completes the rollout after the server crashed with hosts on both revisions", async () => {
    // The hub's agent is down, so the rollout stops after its first wave: half done.
    const { next } = await holdRolloutAfterFirstWave(fleet);
    // The builder is held back behind the hub: it still has the old catalog.
    expect(fleet.controller.fleet.desired.get("cs10-koji-03")?.revision).toBe(before);

    await fleet.nats.kill();
    await new Promise((r) => setTimeout(r, 1_000));
    await fleet.nats.start();
    fleet.startAgent(HUB);

    const views = await fleet.waitReady(next, HOSTS, 60_000);
    expect(views.map((v) => [v.host, v.revision, v.phase])).toEqual(HOSTS.map((h) => [h, next, "Ready"]));
    for (const h of HOSTS) expect(fleet.controller.fleet.desired.get(h)?.revision).toBe(next);
    const rollout = await fleet.api<{ revision: string; phase: string }>("/api/v1/rollouts/current");
    expect(rollout).toMatchObject({ revision: next, phase: "Complete" });

    // No status lost: an applied event for the new revision from every host, including the hub,
    // which published its event while the controller was still reconnecting.
    await waitFor(
      async () => {
        const applied = (await fleet.api<{ events: FleetEvent[] }>("/api/v1/events?type=applied&limit=500")).events;
        return HOSTS.every((h) => applied.some((e) => e.host === h && e.revision === next));
      },
      { timeoutMs: 15_000, message: "an applied event from every host" },
    );
  });
});
