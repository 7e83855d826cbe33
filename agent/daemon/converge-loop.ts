// When the agent converges: one round at a time, never two at once; again at once when asked
// (a new catalog, the converge command, a managed path changed), a request made during a round
// counting once, after it; otherwise after the re-converge interval, sooner after failures
// (transitions.ts: nextConvergeDelayMs). All of its time comes from the injected clock and
// timers, so a test drives it with a fake clock (converge-loop.test.ts).
import type { Clock, Timers } from "../../shared/time.js";
import { nextConvergeDelayMs } from "./transitions.js";

/** The idle loop wakes this often, so that alive() can tell a live loop from a hung one. */
export const LOOP_TICK_MS = 5_000;

export interface ConvergeLoopDeps {
  retrySeconds: number;
  reconvergeSeconds: number;
  clock: Clock;
  timers: Timers;
  /** 0…1, for the jitter of the retry delay. */
  random: () => number;
}

/**
 * One converge. Given how many rounds in a row failed before it, resolves whether it failed;
 * null when there was nothing to converge (no catalog yet).
 */
export type Round = (failedInARow: number) => Promise<boolean | null>;

export class ConvergeLoop {
  private stopped = false;
  private requested = false;
  private wake = (): void => {};
  private failedInARow = 0;
  private tickAt: number;

  constructor(private readonly deps: ConvergeLoopDeps) {
    this.tickAt = deps.clock().getTime();
  }

  /** Runs rounds until stop(); a round that throws ends the loop with its error. */
  async run(round: Round): Promise<void> {
    while (!this.stopped) {
      const failed = await round(this.failedInARow);
      if (failed !== null) this.failedInARow = failed ? this.failedInARow + 1 : 0;
      if (this.stopped) break;
      await this.idle();
    }
  }

  /** Converge now, or once more after the round that is running. */
  request(): void {
    this.requested = true;
    this.wake();
  }

  /** No round starts after this; the one running finishes (its own checks may cut it short). */
  stop(): void {
    this.stopped = true;
    this.wake();
  }

  /** False once the idle loop's tick is three ticks late (a round does not tick: see the agent's healthy()). */
  alive(): boolean {
    return this.deps.clock().getTime() - this.tickAt < 3 * LOOP_TICK_MS;
  }

  /** Sleeps until request() or stop(), or until the delay ends, in ticks. */
  private async idle(): Promise<void> {
    const { retrySeconds, reconvergeSeconds, random } = this.deps;
    let left = nextConvergeDelayMs(this.failedInARow, retrySeconds, reconvergeSeconds, random());
    while (left > 0 && !this.stopped && !this.requested) {
      this.tickAt = this.deps.clock().getTime();
      const slice = Math.min(LOOP_TICK_MS, left);
      await this.sleep(slice);
      left -= slice;
    }
    this.requested = false;
  }

  /** Ends after ms, or sooner when woken. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.deps.timers.after(ms, () => this.woken(resolve));
      this.wake = () => {
        cancel();
        this.woken(resolve);
      };
    });
  }

  private woken(resolve: () => void): void {
    this.wake = () => {};
    resolve();
  }
}
