// A KV watch is an ephemeral consumer living on one nats-server. When that server is a cluster
// member that dies, nats.js 3 does not always recreate it (measured against nats-server 2.9.10:
// the watch stayed silent for 40 s and more while the bucket moved on). So both sides check:
// if the bucket held revision N at one check and the watch still had not delivered N by the
// next, the watch is stalled and is restarted (it then delivers the latest values again).
// Only the controller watches; agents read their key by direct get (agent/bus.ts).

export interface StallCheck {
  /** The bucket's latest revision (stream sequence) as the server says now. */
  latest(): Promise<number>;
  /** The highest revision the watch has delivered. */
  delivered(): number;
  /** Stop the watch and start a new one. */
  restart(): void;
  everyMs: number;
  onError?(err: unknown): void;
}

/** Starts checking; returns the function that stops it. */
export function watchForStall(c: StallCheck): () => void {
  let target: number | null = null;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      if (target !== null && c.delivered() < target) {
        target = null;
        c.restart();
        return;
      }
      target = await c.latest();
    })()
      .catch((err: unknown) => {
        target = null; // unknown: no verdict on the next tick
        c.onError?.(err);
      })
      .finally(() => (busy = false));
  }, c.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
