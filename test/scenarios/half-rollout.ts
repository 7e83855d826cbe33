// The shared shape of the mid-rollout scenarios: a rollout held after its first wave, and what
// kf-desired must show once it is finished after a fault.
import { readFile } from "node:fs/promises";
import { expect } from "vitest";
import type { NatsConnection } from "@nats-io/transport-node";
import { Kvm, type KvEntry } from "@nats-io/kv";
import type { TestFleet } from "../support/fleet.js";
import { waitFor } from "../support/wait.js";
import { BUCKET_DESIRED } from "../../shared/names.js";
import type { Catalog } from "../../shared/protocol.js";

export const HUB = "cs10-koji-00";
/** database, nfs, lookaside: they depend on nothing, so they go first. */
export const FIRST_WAVE = ["cs10-koji-01", "cs10-koji-02", "cs10-koji-04"];
export const EXAMPLE_YAML = await readFile(new URL("../../gitops/fleet.yaml", import.meta.url), "utf8");

/**
 * Stops the hub's agent and pushes a commit that changes every host: the rollout publishes the
 * first wave and then waits for the hub. Resolves once the first wave is Ready at the new commit.
 */
export async function holdRolloutAfterFirstWave(fleet: TestFleet): Promise<{ before: string; next: string }> {
  const before = (await fleet.remote.git("rev-parse", "HEAD")).trim();
  await fleet.stopAgent(HUB);
  const next = await fleet.push("move topdir: every host changes", { "fleet.yaml": EXAMPLE_YAML.replace("topdir: /mnt/koji", "topdir: /srv/koji") });
  await waitFor(
    async () => {
      const views = await fleet.hosts();
      return FIRST_WAVE.every((h) => views.some((v) => v.host === h && v.revision === next && v.phase === "Ready"));
    },
    { timeoutMs: 30_000, message: "first wave Ready at the new revision" },
  );
  return { before, next };
}

/** Per host: generations only go up, `next` was published exactly once, nothing after it goes back to `before`. */
export async function expectPublishedOnceInOrder(nc: NatsConnection, hosts: readonly string[], next: string, before: string): Promise<void> {
  const kv = await new Kvm(nc).open(BUCKET_DESIRED);
  for (const host of hosts) {
    const puts: Catalog[] = [];
    for await (const e of (await kv.history({ key: host })) as AsyncIterable<KvEntry>) if (e.operation === "PUT") puts.push(e.json<Catalog>());
    const generations = puts.map((c) => c.generation);
    expect(generations, host).toEqual([...generations].sort((a, b) => a - b));
    expect(new Set(generations).size, host).toBe(generations.length);
    const revisions = puts.map((c) => c.revision);
    expect(revisions.filter((r) => r === next), host).toHaveLength(1);
    expect(revisions.slice(revisions.indexOf(next)), host).not.toContain(before);
  }
}
