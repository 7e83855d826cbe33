/**
 * Coalesces concurrent triggers of an async job: callers during a run share one follow-up run,
 * so a burst of webhooks and poll ticks costs at most two runs and none run in parallel.
 */
export function singleFlight<T>(job: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | null = null;
  let next: Promise<T> | null = null;
  return function trigger(): Promise<T> {
    if (!running) {
      running = job().finally(() => {
        running = null;
      });
      return running;
    }
    if (!next) {
      next = running.catch(() => undefined).then(() => {
        next = null;
        return trigger();
      });
    }
    return next;
  };
}
