// The seconds after a converge that changed the host (or the agent's first since it started: a
// reboot brings the services up beside it). Services it started or restarted come up
// over seconds (kojid checks in with the hub only once it has logged in), so a probe failing
// then says the host is Starting, not broken: a rollout waits for it instead of halting. The
// probes run every second meanwhile, and the window closes as soon as they all pass, so the
// host reports Ready the moment it is and a later failure counts in full. Still failing when
// the window ends, the host reports the failure (found by the Koji lane: a builder's first
// catalog halted the rollout while kojid was logging in).
import type { Clock, Timers } from "../../shared/time.js";

export const STARTUP_PROBE_MS = 1000;

export interface StartupWindowDeps {
  seconds: number;
  clock: Clock;
  timers: Timers;
  /** Runs the probes (reporting a change of health); resolves whether every probe passes. */
  probe(): Promise<boolean>;
  /** The status must be reported again (the window closed). */
  report(): void;
}

export class StartupWindow {
  private until: number | null = null;
  private cancel = (): void => {};

  constructor(private readonly d: StartupWindowDeps) {}

  /** When the open window ends (ISO), or null. */
  get endsAt(): string | null {
    return this.until === null ? null : new Date(this.until).toISOString();
  }

  /** A converge changed the host: failing probes are Starting for the next `seconds`. */
  open(): void {
    if (this.d.seconds <= 0) return;
    this.until = this.d.clock().getTime() + this.d.seconds * 1000;
    this.schedule();
  }

  /** The start-up is over (every probe passed), or the agent stops. */
  close(): void {
    this.cancel();
    this.until = null;
  }

  private schedule(): void {
    this.cancel();
    this.cancel = this.d.timers.after(STARTUP_PROBE_MS, () => void this.tick());
  }

  private async tick(): Promise<void> {
    const until = this.until;
    if (until === null) return;
    const passing = await this.d.probe();
    if (this.until !== until) return; // a newer converge opened another window meanwhile
    if (passing || this.d.clock().getTime() >= until) {
      this.close();
      this.d.report();
      return;
    }
    this.schedule();
  }
}
