// Publishes the agent's HostStatus to kf-status: one put at a time, in order; a report asked
// for while another waits its turn is the same report (it reads the facts when its turn
// comes); after a failed put, tried again every second until a put gets through.
import type { Condition, HostStatus } from "../../shared/protocol.js";
import type { Logger } from "../../shared/log.js";
import type { Timers } from "../../shared/time.js";
import { FleetError } from "../../shared/errors.js";
import { buildStatus, type AgentFacts } from "../status.js";

const RETRY_MS = 1_000;

export interface StatusReporterDeps {
  /** The agent's facts as they are now. */
  facts: () => AgentFacts;
  /** Puts the status; false when there is nowhere to put it yet (no NATS: the connect reports). */
  publish: (s: HostStatus) => Promise<boolean>;
  timers: Timers;
  log: Logger;
}

export class StatusReporter {
  /** The conditions last reported: their lastTransitionTime moves only when they change. */
  private conditions: Condition[] = [];
  /** The status in kf-status may be older than the facts. */
  private dirty = false;
  private waiting = false;
  private closing = false;
  private queue: Promise<void> = Promise.resolve();
  private cancelRetry = (): void => {};

  constructor(private readonly deps: StatusReporterDeps) {}

  current(): HostStatus {
    return buildStatus(this.deps.facts(), this.conditions);
  }

  /** Something the status says changed: report it. */
  changed(): void {
    this.dirty = true;
    this.report();
  }

  /** The heartbeat: reported even when nothing changed (its lastSeen moves). */
  heartbeat(): void {
    this.report();
  }

  /** The last report, once nothing changes any more (a stop); no retry after it. */
  async close(): Promise<void> {
    this.closing = true;
    this.cancelRetry();
    this.report();
    await this.queue;
  }

  private report(): void {
    if (this.waiting) return;
    this.waiting = true;
    this.queue = this.queue.then(() => this.put());
  }

  private async put(): Promise<void> {
    this.waiting = false;
    const status = this.current();
    this.conditions = status.conditions;
    try {
      if (await this.deps.publish(status)) this.dirty = false;
    } catch (err) {
      this.dirty = true;
      // Too big for kf-status is no passing fault: say so where the operator looks.
      if (err instanceof FleetError) this.deps.log.error({ err }, "status not reported, will retry");
      else this.deps.log.debug({ err }, "status not reported yet, will retry");
      if (this.closing) return;
      this.cancelRetry();
      this.cancelRetry = this.deps.timers.after(RETRY_MS, () => this.dirty && this.report());
    }
  }
}
