import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../test/support/fake-clock.js";
import { ConvergeLoop, LOOP_TICK_MS, type Round } from "./converge-loop.js";

/** A loop on a fake clock whose rounds are recorded (their start, ms since the start) and answered by `outcome`. */
function harness(opts: { retrySeconds?: number; reconvergeSeconds?: number; random?: () => number; outcome?: () => boolean | null | Promise<boolean | null> } = {}) {
  const fake = new FakeClock();
  const loop = new ConvergeLoop({ retrySeconds: opts.retrySeconds ?? 10, reconvergeSeconds: opts.reconvergeSeconds ?? 300, clock: fake.clock, timers: fake.timers, random: opts.random ?? (() => 0) });
  const rounds: { at: number; failedInARow: number }[] = [];
  const round: Round = async (failedInARow) => {
    rounds.push({ at: fake.elapsed(), failedInARow });
    return (opts.outcome ?? (() => false))();
  };
  const done = loop.run(round);
  return { fake, loop, rounds, done, starts: () => rounds.map((r) => r.at) };
}

let stopLast: (() => Promise<void>) | null = null;
afterEach(async () => {
  await stopLast?.();
  stopLast = null;
});

function started(h: ReturnType<typeof harness>) {
  stopLast = async () => {
    h.loop.stop();
    await h.done;
  };
  return h;
}

describe("ConvergeLoop on a fake clock", () => {
  it("converges at once, then again every re-converge interval", async () => {
    const h = started(harness({ reconvergeSeconds: 300 }));
    await h.fake.advance(299_999);
    expect(h.starts()).toEqual([0]);
    await h.fake.advance(1);
    expect(h.starts()).toEqual([0, 300_000]);
    await h.fake.advance(600_000);
    expect(h.starts()).toEqual([0, 300_000, 600_000, 900_000]);
  });

  it("after failures retries sooner, doubling per failed round up to the interval, and is back to the interval after a success", async () => {
    let failing = true;
    const h = started(harness({ retrySeconds: 10, reconvergeSeconds: 60, outcome: () => failing }));
    await h.fake.advance(10_000 + 20_000 + 40_000 + 60_000 + 60_000);
    // Rounds at 0, then +10 s, +20 s, +40 s, +60 s (capped), +60 s.
    expect(h.starts()).toEqual([0, 10_000, 30_000, 70_000, 130_000, 190_000]);
    expect(h.rounds.map((r) => r.failedInARow)).toEqual([0, 1, 2, 3, 4, 5]);
    failing = false;
    await h.fake.advance(60_000); // the 6th failure's retry, capped: this round succeeds
    await h.fake.advance(60_000);
    expect(h.starts().slice(6)).toEqual([250_000, 310_000]);
    expect(h.rounds.at(-1)?.failedInARow).toBe(0);
  });

  it("takes up to a fifth off a retry with the injected jitter, never off the interval", async () => {
    const h = started(harness({ retrySeconds: 10, reconvergeSeconds: 60, random: () => 1, outcome: () => true }));
    await h.fake.advance(8_000 + 16_000);
    expect(h.starts()).toEqual([0, 8_000, 24_000]);
  });

  it("a round with nothing to converge (no catalog yet) neither counts as failed nor resets the count", async () => {
    const outcomes: (boolean | null)[] = [true, null, true];
    const h = started(harness({ retrySeconds: 10, reconvergeSeconds: 60, outcome: () => (outcomes.length > 0 ? (outcomes.shift() as boolean | null) : false) }));
    await h.fake.advance(10_000 + 10_000 + 20_000);
    expect(h.rounds.map((r) => r.failedInARow)).toEqual([0, 1, 1, 2]);
    expect(h.starts()).toEqual([0, 10_000, 20_000, 40_000]);
  });

  it("a request while idle converges at once", async () => {
    const h = started(harness());
    await h.fake.advance(42_000);
    h.loop.request();
    await h.fake.settle();
    expect(h.starts()).toEqual([0, 42_000]);
    // The interval starts again from that round.
    await h.fake.advance(300_000);
    expect(h.starts()).toEqual([0, 42_000, 342_000]);
  });

  it("single flight: requests made during a round make one more round, after it", async () => {
    const held: (() => void)[] = [];
    let concurrent = 0;
    let most = 0;
    const h = started(
      harness({
        outcome: async () => {
          most = Math.max(most, ++concurrent);
          await new Promise<void>((resolve) => held.push(resolve));
          concurrent--;
          return false;
        },
      }),
    );
    const finish = () => held.shift()?.();
    // Rounds still held when the test ends are let go, so that stop() can end the loop.
    const release = stopLast;
    stopLast = async () => {
      h.loop.stop();
      while (held.length > 0) finish();
      await release?.();
    };
    await h.fake.advance(1_000); // the first round is running
    h.loop.request();
    h.loop.request();
    h.loop.request();
    await h.fake.advance(1_000);
    expect(h.rounds).toHaveLength(1);
    finish();
    await h.fake.settle();
    expect(h.starts()).toEqual([0, 2_000]); // one more, at once
    finish();
    await h.fake.advance(299_999);
    expect(h.rounds).toHaveLength(2); // and no third before the interval
    expect(most).toBe(1);
  });

  it("stop() ends an idle loop at once; the loop leaves no timer behind", async () => {
    const h = harness();
    await h.fake.advance(7_000);
    h.loop.stop();
    await h.done;
    expect(h.fake.timersPending).toBe(0);
    expect(h.starts()).toEqual([0]);
  });

  it("is alive while idle, however long the interval; dead once its tick is three ticks late", async () => {
    const h = started(harness({ reconvergeSeconds: 3600 }));
    await h.fake.advance(3_000_000);
    expect(h.loop.alive()).toBe(true);
    h.loop.stop();
    await h.done;
    await h.fake.advance(3 * LOOP_TICK_MS);
    expect(h.loop.alive()).toBe(false);
  });
});
