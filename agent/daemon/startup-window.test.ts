import { describe, expect, it } from "vitest";
import { FakeClock } from "../../test/support/fake-clock.js";
import { STARTUP_PROBE_MS, StartupWindow } from "./startup-window.js";

function windowFor(seconds: number, passAfterRuns: number) {
  const time = new FakeClock();
  let runs = 0;
  const reports: number[] = [];
  const w = new StartupWindow({
    seconds, clock: time.clock, timers: time.timers,
    probe: async () => ++runs > passAfterRuns,
    report: () => reports.push(time.elapsed()),
  });
  return { w, time, reports, runs: () => runs };
}

describe("the start-up window after a converge that changed the host", () => {
  it("re-probes every second and closes, reporting, as soon as every probe passes", async () => {
    const { w, time, reports, runs } = windowFor(60, 3);
    w.open();
    expect(w.endsAt).toBe(new Date(time.clock().getTime() + 60_000).toISOString());
    await time.advance(10_000);
    expect(runs()).toBe(4);
    expect(reports).toEqual([4 * STARTUP_PROBE_MS]);
    expect(w.endsAt).toBeNull();
  });

  it("still failing when it ends: closed and reported then, probing stops", async () => {
    const { w, time, reports, runs } = windowFor(5, Infinity);
    w.open();
    await time.advance(30_000);
    expect(reports).toEqual([5_000]);
    expect(runs()).toBe(5);
    expect(w.endsAt).toBeNull();
  });

  it("a later converge opens a new window from its own end; 0 seconds opens none", async () => {
    const { w, time } = windowFor(5, Infinity);
    w.open();
    await time.advance(3_000);
    w.open();
    expect(w.endsAt).toBe(new Date(time.clock().getTime() + 5_000).toISOString());
    const none = windowFor(0, Infinity);
    none.w.open();
    await none.time.advance(5_000);
    expect(none.w.endsAt).toBeNull();
    expect(none.runs()).toBe(0);
  });
});
