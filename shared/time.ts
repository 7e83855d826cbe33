/** Clock as a dependency, so summaries and staleness are testable without sleeping. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
export const iso = (d: Date): string => d.toISOString();

/**
 * Waiting as a dependency, beside the clock: a loop that sleeps on it can be driven by a fake
 * clock in a test (test/support/fake-clock.ts) instead of by real time.
 */
export interface Timers {
  /** Calls fn once, ms from now; the function returned cancels the call. */
  after(ms: number, fn: () => void): () => void;
}

export const systemTimers: Timers = {
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

/** Calls fn every ms until the function returned is called. */
export function every(timers: Timers, ms: number, fn: () => void): () => void {
  const tick = (): void => {
    cancel = timers.after(ms, tick);
    fn();
  };
  let cancel = timers.after(ms, tick);
  return () => cancel();
}
