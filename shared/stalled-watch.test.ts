import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { watchForStall } from "./stalled-watch.js";

describe("watchForStall", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const setup = (latest: number[]) => {
    let delivered = 0;
    const restarts: number[] = [];
    const errors: unknown[] = [];
    const stop = watchForStall({
      everyMs: 1_000,
      latest: async () => {
        const v = latest.shift();
        if (v === undefined) throw new Error("server unreachable");
        return v;
      },
      delivered: () => delivered,
      restart: () => restarts.push(delivered),
      onError: (e) => errors.push(e),
    });
    return { stop, restarts, errors, deliver: (n: number) => (delivered = n) };
  };

  it("leaves a watch alone that catches up within one interval, even on a busy bucket", async () => {
    const w = setup([10, 20, 30, 40]);
    await vi.advanceTimersByTimeAsync(1_000); // target 10
    w.deliver(12);
    await vi.advanceTimersByTimeAsync(1_000); // 12 ≥ 10: fine; target 20
    w.deliver(25);
    await vi.advanceTimersByTimeAsync(1_000); // fine; target 30
    w.deliver(30);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(w.restarts).toEqual([]);
    w.stop();
  });

  it("restarts a watch that did not reach the revision the bucket had one interval earlier, once", async () => {
    const w = setup([10, 11, 11]);
    w.deliver(9);
    await vi.advanceTimersByTimeAsync(1_000); // target 10
    await vi.advanceTimersByTimeAsync(1_000); // 9 < 10: restart, no target
    expect(w.restarts).toEqual([9]);
    w.deliver(11); // the new watch delivers the latest values
    await vi.advanceTimersByTimeAsync(2_000);
    expect(w.restarts).toEqual([9]);
    w.stop();
  });

  it("gives no verdict after a failed check, and stops when told", async () => {
    const w = setup([10]);
    await vi.advanceTimersByTimeAsync(1_000); // target 10
    w.deliver(10);
    await vi.advanceTimersByTimeAsync(1_000); // fine; latest throws
    await vi.advanceTimersByTimeAsync(1_000); // no target: no restart
    expect(w.restarts).toEqual([]);
    expect(w.errors.length).toBeGreaterThan(0);
    w.stop();
    const calls = w.errors.length;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(w.errors.length).toBe(calls);
  });
});
