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

/** 0.12 s, 3.4 s, 2 min 05 s, 3 h 07 min: a rollout takes from a tenth of a second to hours (the CLI and the dashboard say it alike). */
export function durationText(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 0.995) return `${s.toFixed(2)} s`;
  if (s < 9.95) return `${s.toFixed(1)} s`;
  const total = Math.round(s);
  if (total < 120) return `${total} s`;
  const [m, sec] = [Math.floor(total / 60), total % 60];
  return m < 120 ? `${m} min ${String(sec).padStart(2, "0")} s` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}
