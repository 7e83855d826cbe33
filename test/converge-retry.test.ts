// A converge that fails is tried again soon (agent retrySeconds, doubling), not only at the
// next re-converge interval: a host whose first converge met a transient fault heals by itself.
import { rm, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FleetEvent } from "../shared/protocol.js";
import { TestFleet } from "./support/fleet.js";
import { waitFor } from "./support/wait.js";

const HOST = "cs10-koji-04"; // lookaside: it manages /srv/cache/lookaside

describe("retry after a failed converge", () => {
  let fleet: TestFleet;
  let sha: string;
  beforeAll(async () => {
    fleet = await TestFleet.start({ startAgents: false });
    sha = (await fleet.remote.git("rev-parse", "HEAD")).trim();
    // A plain file where the catalog wants a directory: the directory resource fails.
    await mkdir(join(fleet.root(HOST), "srv/cache"), { recursive: true });
    await writeFile(join(fleet.root(HOST), "srv/cache/lookaside"), "in the way\n");
    // No drift watch and an hour between re-converges: only the retry can bring it back.
    fleet.startAgent(HOST, { watch: false, reconvergeSeconds: 3600, retrySeconds: 1 });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it("fails, retries with back-off while the fault lasts, and applies once it is gone", async () => {
    const failedSince = await waitFor(() => {
      const s = fleet.controller.fleet.status.get(HOST);
      return s?.lastConverge && s.lastConverge.failed > 0 ? s.lastConverge.startedAt : null;
    }, { timeoutMs: 30_000 });
    // Retries at ~1 s, then ~2 s: a later converge that still fails, long before the hour.
    await waitFor(() => {
      const s = fleet.controller.fleet.status.get(HOST);
      return s?.lastConverge && s.lastConverge.startedAt !== failedSince && s.lastConverge.failed > 0;
    }, { timeoutMs: 10_000 });
    expect(fleet.controller.fleet.status.get(HOST)?.applied?.revision).not.toBe(sha);

    await rm(join(fleet.root(HOST), "srv/cache/lookaside"));
    const fixedAt = Date.now();
    await waitFor(() => fleet.controller.fleet.status.get(HOST)?.applied?.revision === sha, { timeoutMs: 15_000 });
    // Back-off after ~3 failures is at most 8 s (1, 2, 4, 8 … less jitter).
    expect(Date.now() - fixedAt).toBeLessThan(12_000);
    const events = (await fleet.api<{ events: FleetEvent[] }>(`/api/v1/events?host=${HOST}`)).events.map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(["failed", "recovered"]));
  });
});
