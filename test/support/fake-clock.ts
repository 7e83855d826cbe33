// Time that moves only when a test says so: a Clock and the Timers beside it (shared/time.ts).
// advance() fires the timers that fall due, in order, and lets what each one starts settle
// before the next, so a loop that sleeps on these timers runs as it would in real time.
import type { Clock, Timers } from "../../shared/time.js";

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

/** Lets every promise chain that needs no I/O run to its end. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class FakeClock {
  private readonly startMs: number;
  private nowMs: number;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(start = "2026-01-01T00:00:00Z") {
    this.startMs = this.nowMs = Date.parse(start);
  }

  readonly clock: Clock = () => new Date(this.nowMs);

  readonly timers: Timers = {
    after: (ms, fn) => {
      const p: Pending = { at: this.nowMs + Math.max(0, ms), seq: this.seq++, fn };
      this.pending.push(p);
      return () => {
        this.pending = this.pending.filter((x) => x !== p);
      };
    },
  };

  /** Milliseconds since the start. */
  elapsed(): number {
    return this.nowMs - this.startMs;
  }

  /** Timers set and not yet fired nor cancelled. */
  get timersPending(): number {
    return this.pending.length;
  }

  /** Moves time on by ms, firing the timers due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.nowMs + ms;
    await settle();
    for (;;) {
      const next = this.pending.filter((p) => p.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.pending = this.pending.filter((p) => p !== next);
      this.nowMs = next.at;
      next.fn();
      await settle();
    }
    this.nowMs = end;
    await settle();
  }

  /** Lets pending promise chains run without moving time. */
  settle(): Promise<void> {
    return settle();
  }
}
