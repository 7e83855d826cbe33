import { describe, expect, it } from "vitest";
import { ProbeEpoch } from "./probe-epoch.js";

describe("ProbeEpoch", () => {
  it("keeps a run with no converge since it began", () => {
    const e = new ProbeEpoch();
    const t = e.begin()!;
    expect(e.fresh(t)).toBe(true);
  });

  it("drops a run that began before a converge and ends during or after it; the converge's own run stands", () => {
    const e = new ProbeEpoch();
    const stale = e.begin()!;
    e.convergeStarted();
    expect(e.fresh(stale)).toBe(false); // ends mid-converge
    expect(e.begin()).toBeNull(); // no run starts while converging
    e.convergeEnded();
    const own = e.begin()!; // the converge's end-of-run probes
    expect(e.fresh(stale)).toBe(false); // ends after: still dropped
    expect(e.fresh(own)).toBe(true);
  });

  it("drops the converge's own run when another converge started meanwhile", () => {
    const e = new ProbeEpoch();
    e.convergeStarted();
    e.convergeEnded();
    const own = e.begin()!;
    e.convergeStarted();
    e.convergeEnded();
    expect(e.fresh(own)).toBe(false);
  });
});
