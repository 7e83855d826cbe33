import { describe, expect, it } from "vitest";
import { singleFlight } from "./single-flight.js";

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("singleFlight", () => {
  it("a burst of triggers during a run costs exactly one follow-up run, never two in parallel", async () => {
    let runs = 0;
    let active = 0;
    let maxActive = 0;
    const trigger = singleFlight(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await tick();
      active--;
      return ++runs;
    });
    const results = await Promise.all([trigger(), trigger(), trigger(), trigger()]);
    expect(runs).toBe(2);
    expect(maxActive).toBe(1);
    expect(results).toEqual([1, 2, 2, 2]);
  });

  it("a failed run does not stop the follow-up", async () => {
    let n = 0;
    const trigger = singleFlight(async () => {
      await tick();
      if (++n === 1) throw new Error("first fails");
      return n;
    });
    const [a, b] = await Promise.allSettled([trigger(), trigger()]);
    expect(a.status).toBe("rejected");
    expect(b).toEqual({ status: "fulfilled", value: 2 });
  });
});
