// Scenario 3 of issue 10: the agent is SIGKILLed at 50 random points while it converges a
// catalog of 240 files. After every kill each managed file holds one version in full (no torn
// or empty file), state.json is valid, and a final uninterrupted run converges the host.
// Runs the built CLI (dist/, made by `npm test` before vitest) as a real child process.
import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm, type KV } from "@nats-io/kv";
import { TestFleet } from "../support/fleet.js";
import { waitFor } from "../support/wait.js";
import { BUCKET_STATUS } from "../../shared/names.js";
import type { HostStatus } from "../../shared/protocol.js";
import { CatalogPublisher, fileResource } from "./signed-catalog.js";
import { ChildAgent } from "./child-agent.js";

const HOST = "cs10-koji-03";
const FILES = 240;
const KILLS = 50;
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const path = (i: number) => `/srv/kill-test/f${String(i).padStart(3, "0")}.conf`;
// 2.5 KiB per file (the catalog must fit one NATS message), different per version and file, so a torn write cannot match any version.
const content = (version: number, i: number) => `# version ${version} file ${i}\n${`${version}:${i}:`.padEnd(63, "x")}\n`.repeat(40);

describe("scenario: agent SIGKILL during apply", () => {
  let fleet: TestFleet;
  let nc: NatsConnection;
  let status: KV;
  let catalogs: CatalogPublisher;
  let agent: ChildAgent;
  /** sha256 → version, for every version published so far. */
  const known = new Map<string, number>();

  beforeAll(async () => {
    fleet = await TestFleet.start();
    await fleet.waitReady((await fleet.remote.git("rev-parse", "HEAD")).trim());
    await fleet.stopAgent(HOST);
    nc = await connect({ servers: fleet.nats.url });
    status = await new Kvm(nc).open(BUCKET_STATUS);
    catalogs = await CatalogPublisher.open(fleet, nc, HOST);
    agent = await ChildAgent.configure(fleet, HOST);
  }, 120_000);
  afterAll(async () => {
    await agent?.kill();
    await nc?.close();
    await fleet?.stop();
  });

  /** Publishes generation base+version whose managed files all carry `version`. */
  async function publish(version: number): Promise<number> {
    const files = Array.from({ length: FILES }, (_, i) => {
      const text = content(version, i);
      known.set(sha(text), version);
      return fileResource(path(i), text);
    });
    return catalogs.publish(version, files);
  }

  const applied = async () => (await status.get(HOST))?.json<HostStatus>().applied?.generation ?? 0;

  /** Every managed file: absent (never written yet) or exactly one published version. */
  async function versionsOnDisk(): Promise<(number | null)[]> {
    return Promise.all(
      Array.from({ length: FILES }, async (_, i) => {
        const bytes = await readFile(join(fleet.root(HOST), path(i))).catch(() => null);
        if (bytes === null) return null;
        const version = known.get(sha(bytes));
        expect(version, `${path(i)} holds ${bytes.length} bytes that match no published version`).toBeDefined();
        return version!;
      }),
    );
  }

  it(`leaves no torn file at ${KILLS} kill points, then converges`, async () => {
    // Measure one full run to place the kills across the whole of it.
    let started = performance.now();
    agent.start();
    const first = await publish(1);
    // The first file appearing marks the start of the apply: before that is process start-up.
    await waitFor(async () => (await readdir(join(fleet.root(HOST), "srv/kill-test")).catch(() => [])).length > 0, { timeoutMs: 15_000, intervalMs: 5, message: "first file" });
    const applyStartMs = performance.now() - started;
    await waitFor(async () => (await applied()) >= first, { timeoutMs: 15_000, message: "first converge" }).catch((err: Error) => { throw new Error(`${err.message}\nagent log: ${agent.log}`); });
    const fullRunMs = performance.now() - started;
    await agent.kill();

    let interrupted = 0;
    for (let k = 0; k < KILLS; k++) {
      await publish(k + 2);
      started = performance.now();
      agent.start();
      const at = applyStartMs * 0.9 + Math.random() * (fullRunMs - applyStartMs * 0.9);
      await new Promise((r) => setTimeout(r, at));
      await agent.kill();
      const versions = await versionsOnDisk();
      // This kill cut an apply short: some files already hold the new version, some do not.
      if (versions.includes(k + 2) && !versions.every((v) => v === k + 2)) interrupted++;
      // The agent's own state is written the same way: always parseable.
      const state = await readFile(join(fleet.dir, "state", HOST, "state.json"), "utf8").catch(() => null);
      if (state !== null) expect(() => JSON.parse(state), `state.json after kill ${k} at ${Math.round(at)} ms`).not.toThrow();
    }
    // Enough kills really landed mid-apply for the check above to mean something.
    expect(interrupted).toBeGreaterThanOrEqual(10);

    // After the last kill, an uninterrupted agent converges the latest version everywhere.
    const last = await publish(KILLS + 2);
    agent.start();
    await waitFor(async () => (await applied()) >= last, { timeoutMs: 60_000, message: "final converge" });
    expect(new Set(await versionsOnDisk())).toEqual(new Set([KILLS + 2]));
    const debris = (await readdir(join(fleet.root(HOST), "srv/kill-test"))).filter((n) => !/^f\d{3}\.conf$/.test(n));
    // Temp files of the killed writers are cleared by the next write of the same file.
    expect(debris).toEqual([]);
    await agent.kill("SIGTERM");
  }, 600_000);
});
