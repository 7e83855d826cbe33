// The driver around the pure step: a put that fails (NATS reconnecting, a cluster electing a
// stream leader) is neither lost nor an unhandled rejection; the next tick publishes it.
import { describe, expect, it, vi } from "vitest";
import { fleetMetrics } from "../fleet/metrics.js";
import { RolloutDriver, STATUS_STEP_SPACING } from "./driver.js";
import { FleetState } from "../fleet/state.js";
import { keptStatus } from "../fleet/kept-status.js";
import { KOJI_ROLE_DEPENDENCIES } from "./graph.js";
import { createLogger } from "../../shared/log.js";
import type { Catalog } from "../../shared/protocol.js";
import { Writable } from "node:stream";
import { iso } from "../../shared/time.js";

const SETTINGS = { maxUnavailable: 1, roleDependencies: KOJI_ROLE_DEPENDENCIES };
const catalog = (host: string, roles: string[]): Catalog =>
  ({ protocol: "kf.v1.catalog", host, revision: "r2", generation: 2, issuedAt: "2026-11-26T12:00:00.000Z", digest: `sha256:${host}`, roles, resources: [], probes: [] }) as unknown as Catalog;

describe("rollout driver", () => {
  it("keeps a catalog whose put failed pending and publishes it on the next tick", async () => {
    const state = new FleetState("2026-11-26T12:00:00.000Z");
    const lines: string[] = [];
    const log = createLogger("test", { level: "warn", destination: new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) }) });
    const puts: string[] = [];
    let failures = 1;
    const driver = new RolloutDriver({
      state, log, clock: () => new Date("2026-11-26T12:00:01Z"), emit: () => {},
      publisher: {
        publish: async (catalogs) => {
          if (failures-- > 0) return { published: [], error: new Error("no responders: '$KV.kf-desired.db'") };
          for (const c of catalogs) {
            puts.push(c.host);
            state.desired.set(c.host, c);
          }
          return { published: catalogs.map((c) => c.host), error: null };
        },
      },
    });
    driver.start("r2", [catalog("db", ["database"])], SETTINGS);
    await expect(driver.tick()).resolves.toBeUndefined();
    expect(puts).toEqual([]);
    expect(driver.current?.published).toEqual({});
    expect(lines.join("")).toMatch(/"no responders: .*"msg":"rollout step failed; retrying on the next tick"/);

    await driver.tick();
    expect(puts).toEqual(["db"]);
    expect(Object.keys(driver.current!.published)).toEqual(["db"]);
  });

  it("a new farm's first rollout (nothing published yet) follows the bring-up order", async () => {
    const state = new FleetState("2026-11-26T12:00:00.000Z");
    const puts: string[][] = [];
    const driver = new RolloutDriver({
      state, log: createLogger("test", { level: "silent" }), clock: () => new Date("2026-11-26T12:00:01Z"), emit: () => {},
      publisher: { publish: async (catalogs) => (puts.push(catalogs.map((c) => c.host)), { published: catalogs.map((c) => (state.desired.set(c.host, c), c.host)), error: null }) },
    });
    const ready = (host: string) => state.status.set(host, keptStatus({
      protocol: "kf.v1.status", host, agentVersion: "t", startedAt: "2026-11-26T12:00:00.000Z", lastSeen: "2026-11-26T12:00:01.000Z", heartbeatSeconds: 15,
      observed: { revision: "r2", generation: 2, digest: `sha256:${host}` }, applied: { revision: "r2", generation: 2, digest: `sha256:${host}` }, lastConverge: null,
      conditions: [{ type: "Ready", status: "True", reason: "Converged", message: "ok", lastTransitionTime: "2026-11-26T12:00:01.000Z" }], resources: [], probes: [],
    }));
    driver.start("r2", [catalog("hub", ["hub", "web"]), catalog("builder", ["builder"]), catalog("db", ["database"]), catalog("nfs", ["nfs"]), catalog("lookaside", ["lookaside"])], SETTINGS);
    await driver.tick();
    expect(puts).toEqual([["db", "nfs", "lookaside"]]);
    expect(state.waiting.get("hub")?.message).toMatch(/^waiting for database on db \(/);
    for (const h of ["db", "nfs", "lookaside"]) ready(h);
    await driver.tick();
    expect(puts.at(-1)).toEqual(["hub"]);
    ready("hub");
    await driver.tick();
    expect(puts.at(-1)).toEqual(["builder"]);
  });

  /** A driver whose plans cost `planMs` on its clock; counts the plans (each reads all hosts). */
  function counted(planMs: number) {
    const state = new FleetState("2026-11-26T12:00:00.000Z");
    let ahead = 0;
    const driver = new RolloutDriver({
      state, log: createLogger("test", { level: "silent" }), clock: () => new Date(Date.now() + ahead), emit: () => {},
      publisher: { publish: async (catalogs) => ({ published: catalogs.map((c) => (state.desired.set(c.host, c), c.host)), error: null }) },
    });
    const counter = { plans: 0 };
    vi.spyOn(state, "hosts").mockImplementation(() => {
      counter.plans++;
      ahead += planMs;
      return [];
    });
    return { driver, counter };
  }

  it("cheap steps follow a status at once, synchronously, as the API's readers expect", async () => {
    vi.useFakeTimers();
    try {
      const { driver, counter } = counted(0);
      driver.start("r2", [catalog("db", ["database"])], SETTINGS);
      await vi.advanceTimersByTimeAsync(0);
      counter.plans = 0;
      driver.nudge();
      expect(counter.plans).toBe(1); // before any timer or microtask
      driver.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it("costly steps (a 1,000-host fleet) are spaced by STATUS_STEP_SPACING times their cost", async () => {
    vi.useFakeTimers();
    try {
      const { driver, counter } = counted(30);
      driver.start("r2", [catalog("db", ["database"])], SETTINGS);
      await vi.advanceTimersByTimeAsync(0);
      await vi.advanceTimersByTimeAsync(STATUS_STEP_SPACING * 30);
      counter.plans = 0;
      // 500 ms of statuses, 100 every 50 ms: steps ~90 ms apart, not one or two per burst.
      for (let t = 0; t < 10; t++) {
        for (let i = 0; i < 100; i++) driver.nudge();
        await vi.advanceTimersByTimeAsync(50);
      }
      expect(counter.plans).toBeGreaterThanOrEqual(5);
      expect(counter.plans).toBeLessThanOrEqual(7);
      const before = counter.plans;
      driver.nudge();
      driver.stop();
      await vi.advanceTimersByTimeAsync(1000);
      expect(counter.plans).toBe(before);
    } finally {
      vi.useRealTimers();
    }
  });

  /** A driver on a clock that moves only by `advance`; hosts report through `report`, as kf-status's watch does. */
  function farm() {
    let NOW = new Date("2026-11-26T12:00:01Z");
    const advance = (ms: number) => void (NOW = new Date(NOW.getTime() + ms));
    const state = new FleetState("2026-11-26T12:00:00.000Z");
    const waves: string[][] = [];
    const driver = new RolloutDriver({
      state, log: createLogger("test", { level: "silent" }), clock: () => NOW, emit: () => {},
      publisher: {
        publish: async (catalogs) => {
          waves.push(catalogs.map((c) => c.host));
          for (const c of catalogs) state.desired.set(c.host, c);
          return { published: catalogs.map((c) => c.host), error: null };
        },
      },
    });
    const report = (c: Catalog) => {
      const ref = { revision: c.revision, generation: c.generation, digest: c.digest };
      state.status.set(c.host, keptStatus({
        protocol: "kf.v1.status", host: c.host, agentVersion: "0.1.0", startedAt: "2026-11-26T11:00:00.000Z", lastSeen: iso(NOW), heartbeatSeconds: 15,
        observed: ref, applied: ref, lastConverge: null, resources: [], probes: [],
        conditions: [{ type: "Ready", status: "True", reason: "Converged", message: "", lastTransitionTime: "2026-11-26T11:00:00.000Z" }],
      }));
      driver.nudge();
    };
    return { state, driver, waves, report, advance };
  }
  const file = (content: string, notifies: string[] = []) => ({ id: "file:/etc/koji.conf.d/profile.conf", kind: "file", props: { path: "/etc/koji.conf.d/profile.conf", content }, requires: [], notifies });
  const at = (c: Catalog, generation: number, content: string, notifies?: string[]): Catalog => ({ ...c, revision: `r${generation}`, generation, digest: `sha256:${c.host}-${content}`, resources: [file(content, notifies)] });
  const SEED = [catalog("db", ["database"]), catalog("nfs", ["nfs"]), catalog("hub", ["hub"]), catalog("b1", ["builder"])];

  it("each wave is published when the last host it waits for reports applied and Ready: no timer runs, the clock never moves", async () => {
    vi.useFakeTimers();
    try {
      const { state, driver, waves, report } = farm();
      for (const c of SEED) report(at(c, 1, "v1"));
      const next = SEED.map((c) => at(c, 2, "v2", ["service:x"]));
      for (const c of SEED) state.desired.set(c.host, at(c, 1, "v1"));
      driver.start("r2", next, SETTINGS);
      await vi.advanceTimersByTimeAsync(0); // start()'s own step, after its caller's lock
      expect(waves).toEqual([["db", "nfs"]]);
      report(next[0]!);
      await Promise.resolve();
      expect(waves).toHaveLength(1); // the hub also waits for the NFS host
      report(next[1]!);
      await vi.waitFor(() => expect(waves).toEqual([["db", "nfs"], ["hub"]]));
      report(next[2]!);
      await vi.waitFor(() => expect(waves).toEqual([["db", "nfs"], ["hub"], ["b1"]]));
      report(next[3]!);
      await vi.waitFor(() => expect(driver.current?.phase).toBe("Complete"));
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a completed rollout's duration goes to the metrics; one superseded before it completed does not", async () => {
    vi.useFakeTimers();
    try {
      const { state, driver, waves, report, advance } = farm();
      const durations = fleetMetrics(state).rolloutDuration;
      for (const c of SEED) report(at(c, 1, "v1"));
      const r2 = SEED.map((c) => at(c, 2, "v2"));
      driver.start("r2", r2, SETTINGS);
      await vi.advanceTimersByTimeAsync(0);
      const superseded = driver.current;
      report(r2[0]!);
      advance(5_000);
      const r3 = SEED.map((c) => at(c, 3, "v3"));
      driver.start("r3", r3, SETTINGS);
      await vi.advanceTimersByTimeAsync(0);
      advance(40_000);
      // Each wave reports once it is published: the database and NFS, the hub, the builder.
      for (const [i, hosts] of [[0, 1], [2], [3]].entries()) {
        await vi.waitFor(() => expect(waves).toHaveLength(2 + i));
        for (const h of hosts) report(r3[h]!);
      }
      await vi.waitFor(() => expect(driver.current?.phase).toBe("Complete"));
      expect(driver.current?.revision).toBe("r3");
      expect(durations.value()).toMatchObject({ count: 1, sum: 40 });
      // The API's rollout says when it completed; the superseded one never does.
      expect(Date.parse(driver.current!.completedAt!) - Date.parse(driver.current!.startedAt)).toBe(40_000);
      expect(superseded?.phase).toBe("Superseded");
      expect(superseded?.completedAt).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it("a revision that changes no catalog makes a rollout complete as it starts, and times nothing", () => {
    const { state, driver } = farm();
    driver.start("r9", [], SETTINGS);
    expect(driver.current).toMatchObject({ phase: "Complete", completedAt: driver.current!.startedAt });
    expect(fleetMetrics(state).rolloutDuration.value().count).toBe(0);
  });

  it("the revision in force compiled again without a changed catalog leaves the rollout under way, its start kept", async () => {
    vi.useFakeTimers();
    try {
      const { state, driver, waves, report, advance } = farm();
      for (const c of SEED) report(at(c, 1, "v1"));
      const r2 = SEED.map((c) => at(c, 2, "v2"));
      driver.start("r2", r2, SETTINGS);
      await vi.advanceTimersByTimeAsync(0);
      const underWay = driver.current;
      advance(5_000);
      driver.start("r2", [], SETTINGS); // a new CRL, a gate that opened nothing
      await vi.advanceTimersByTimeAsync(0);
      expect(driver.current).toBe(underWay);
      expect(underWay?.phase).toBe("Progressing");
      for (const [i, hosts] of [[0, 1], [2], [3]].entries()) {
        await vi.waitFor(() => expect(waves).toHaveLength(1 + i));
        for (const h of hosts) report(r2[h]!);
      }
      await vi.waitFor(() => expect(underWay?.phase).toBe("Complete"));
      expect(fleetMetrics(state).rolloutDuration.value()).toMatchObject({ count: 1, sum: 5 });
    } finally {
      vi.useRealTimers();
    }
  });

  it("hosts whose new catalog only changes a file's text release their dependents at once; one that refreshes a service keeps the gate", async () => {
    vi.useFakeTimers();
    try {
      const run = async (notifies: string[]) => {
        const { state, driver, waves, report } = farm();
        for (const c of SEED) {
          report(at(c, 1, "v1", notifies));
          state.desired.set(c.host, at(c, 1, "v1", notifies));
        }
        driver.start("r2", SEED.map((c) => at(c, 2, "v2", notifies)), SETTINGS);
        await vi.advanceTimersByTimeAsync(0);
        return { waves, targets: driver.current!.targets };
      };
      const neutral = await run([]);
      expect(neutral.waves).toEqual([["db", "nfs", "hub", "b1"]]);
      // Builders are waited for by nobody: their change is not judged.
      expect(neutral.targets.map((t) => [t.host, t.neutralFrom])).toEqual([["db", "sha256:db-v1"], ["nfs", "sha256:nfs-v1"], ["hub", "sha256:hub-v1"], ["b1", null]]);
      expect((await run(["service:x"])).waves).toEqual([["db", "nfs"]]);
    } finally {
      vi.useRealTimers();
    }
  });
});
