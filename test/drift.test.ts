// Drift by fs watch: a managed file edited or a managed directory deleted by hand is repaired
// within about two seconds WITHOUT anyone calling requestConverge(), and the agent emits a
// `drift-repaired` event saying what differed. The periodic re-converge is set to an hour
// here, so only the watch can explain the repair.
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLE_FLEET, TestFleet, HOSTS } from "./support/fleet.js";
import { sleep, waitFor } from "./support/wait.js";
import type { FleetEvent } from "../shared/protocol.js";
import { createFiles, type Files } from "../agent/providers/files.js";

const HOST = "cs10-koji-03";
const CONF = "etc/koji.conf.d/mx-os-koji.conf";

describe("drift repair by fs watch", () => {
  let fleet: TestFleet;
  let wanted: string;
  /** While set, HOST's agent lingers 800 ms after each write: a converge that outlasts the watch's 500 ms debounce. */
  let slowWrites = false;
  const real = createFiles();
  const lingering: Files = { ...real, writeFileAtomic: async (...args) => {
    await real.writeFileAtomic(...args);
    if (slowWrites) await sleep(800);
  } };

  beforeAll(async () => {
    fleet = await TestFleet.start({ startAgents: false, captureLogs: true });
    for (const h of HOSTS) fleet.startAgent(h, { reconvergeSeconds: 3600 }, h === HOST ? { files: lingering } : {});
    const head = (await fleet.remote.git("rev-parse", "HEAD")).trim();
    await fleet.waitReady(head);
    wanted = await readFile(join(fleet.root(HOST), CONF), "utf8");
  });
  afterAll(async () => fleet?.stop());

  const driftEvents = async (): Promise<FleetEvent[]> =>
    (await fleet.api<{ events: FleetEvent[] }>(`/api/v1/events?type=drift-repaired&host=${HOST}`)).events;

  const repairedSince = async (known: number, id: string): Promise<FleetEvent> =>
    waitFor(
      async () => {
        const events = await driftEvents();
        return events.length > known ? events.find((e) => ((e.data?.changed ?? []) as { id: string }[]).some((c) => c.id === id)) ?? false : false;
      },
      { timeoutMs: 2_500, message: `a drift-repaired event for ${id}` },
    );

  it("a pushed change is one converge: the agent's own writes are not drift, even when the converge outlasts the debounce", async () => {
    const agent = fleet.agents.get(HOST)!.agent;
    const fromLine = fleet.logs.length;
    slowWrites = true;
    try {
      const pushedAt = new Date().toISOString();
      const yaml = await readFile(EXAMPLE_FLEET, "utf8");
      await fleet.waitReady(await fleet.push("builder: maxjobs 7", { "fleet.yaml": yaml.replace("maxjobs: 10", "maxjobs: 7") }));
      // The converge that applied it has ended (the status can say Ready a moment before).
      const converged = await waitFor(() => (agent.currentStatus().lastConverge?.startedAt ?? "") > pushedAt && agent.currentStatus().lastConverge!.startedAt, { timeoutMs: 5_000, message: "the push's converge to end" });
      expect(await readFile(join(fleet.root(HOST), "etc/kojid/kojid.conf"), "utf8")).toMatch(/^maxjobs\s*=\s*7$/m);
      await sleep(1_500);
      expect(agent.currentStatus().lastConverge?.startedAt).toBe(converged);
      expect(fleet.logs.slice(fromLine).filter((l) => l.includes("a managed path changed"))).toEqual([]);
    } finally {
      slowWrites = false;
    }
  });

  it("an edited managed file is put back, and the event says what differed", async () => {
    const known = (await driftEvents()).length;
    const t0 = Date.now();
    await writeFile(join(fleet.root(HOST), CONF), "# edited by hand\n");
    const event = await repairedSince(known, `file:/${CONF}`);
    expect(Date.now() - t0).toBeLessThan(2_500);
    expect(await readFile(join(fleet.root(HOST), CONF), "utf8")).toBe(wanted);
    const changed = event.data?.changed as { id: string; changes: string[] }[];
    expect(changed.map((c) => c.id)).toEqual([`file:/${CONF}`]);
    expect(changed[0]!.changes.join("\n")).toMatch(/content|sha256/i);
    expect(event.severity).toBe("warning");
  });

  it("a deleted managed directory is re-created with its files", async () => {
    const known = (await driftEvents()).length;
    const t0 = Date.now();
    await rm(join(fleet.root(HOST), "etc/koji.conf.d"), { recursive: true });
    const event = await repairedSince(known, "directory:/etc/koji.conf.d");
    expect(Date.now() - t0).toBeLessThan(2_500);
    expect(await readFile(join(fleet.root(HOST), CONF), "utf8")).toBe(wanted);
    const ids = (event.data?.changed as { id: string; changes: string[] }[]).map((c) => c.id).sort();
    expect(ids).toEqual(["directory:/etc/koji.conf.d", `file:/${CONF}`]);
    // Other hosts saw nothing.
    const others = (await fleet.api<{ events: FleetEvent[] }>("/api/v1/events?type=drift-repaired")).events.filter((e) => e.host !== HOST);
    expect(others).toEqual([]);
  });
});
