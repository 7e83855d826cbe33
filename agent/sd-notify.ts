// sd_notify(3) for the daemons, through the `systemd-notify` binary: Node cannot send on an AF_UNIX
// datagram socket (dgram is udp only, net is stream only), the npm `systemd-notify` wrapper cannot
// send WATCHDOG=1, and native addons cannot go into the single-file bundle (sd_notify(3),
// systemd-notify(1)). One spawn costs ~5 ms; at one ping per WatchdogSec/2 that is nothing.
import { createExecutor, type Executor } from "./providers/executor.js";

/** Absolute, as the RPMs `Requires: /usr/bin/systemd-notify`: PATH does not matter. */
export const SYSTEMD_NOTIFY = "/usr/bin/systemd-notify";
const SEND_TIMEOUT_MS = 5_000;

/** A STATUS= value is one line (a newline would start another assignment) and short. */
const oneLine = (s: string): string => s.replace(/\s+/g, " ").trim().slice(0, 500);

export class SdNotify {
  private readonly socket: string | undefined;
  /** Watchdog interval in ms granted to this process; 0 when there is none. */
  readonly watchdogMs: number;

  /**
   * Captures NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID and deletes them from `env`, so that
   * dnf, git or scriptlets started later cannot send notifications in the unit's name.
   * Construct it first thing in a daemon, before anything spawns.
   */
  constructor(
    private readonly exec: Executor = createExecutor(),
    env: NodeJS.ProcessEnv = process.env,
    pid: number = process.pid,
  ) {
    this.socket = env.NOTIFY_SOCKET || undefined;
    const usec = Number(env.WATCHDOG_USEC ?? 0);
    const forPid = Number(env.WATCHDOG_PID ?? 0);
    // WATCHDOG_PID names the process the watchdog is meant for; a child that inherited it is not.
    this.watchdogMs = this.socket && usec > 0 && (!forPid || forPid === pid) ? Math.floor(usec / 1000) : 0;
    delete env.NOTIFY_SOCKET;
    delete env.WATCHDOG_USEC;
    delete env.WATCHDOG_PID;
  }

  /** Whether a service manager listens (false when run by hand or in tests: every send is a no-op). */
  get enabled(): boolean {
    return this.socket !== undefined;
  }

  /** Sends VAR=VALUE assignments; resolves false (never rejects) when nothing was delivered. */
  async send(...assignments: string[]): Promise<boolean> {
    if (!this.socket || assignments.length === 0) return false;
    const r = await this.exec
      .run({ argv: [SYSTEMD_NOTIFY, ...assignments], env: { NOTIFY_SOCKET: this.socket }, timeoutMs: SEND_TIMEOUT_MS })
      .catch(() => null);
    return r?.exitCode === 0;
  }

  ready(status: string): Promise<boolean> {
    return this.send("READY=1", `STATUS=${oneLine(status)}`);
  }
  status(status: string): Promise<boolean> {
    return this.send(`STATUS=${oneLine(status)}`);
  }
  stopping(status = "stopping"): Promise<boolean> {
    return this.send("STOPPING=1", `STATUS=${oneLine(status)}`);
  }
  /** With Type=notify the unit shows "reloading" until the next READY=1. */
  reloading(status = "reloading configuration"): Promise<boolean> {
    return this.send("RELOADING=1", `STATUS=${oneLine(status)}`);
  }
  watchdog(): Promise<boolean> {
    return this.send("WATCHDOG=1");
  }

  /**
   * Pings at half of WatchdogSec, but only while `healthy()`: a hung event loop (no timer
   * fires) or an unhealthy daemon then misses the deadline and systemd aborts and restarts it.
   * Returns the function that stops the pings.
   */
  startWatchdog(healthy: () => boolean): () => void {
    if (this.watchdogMs <= 0) return () => undefined;
    const timer = setInterval(() => void (healthy() && this.watchdog()), Math.max(500, Math.floor(this.watchdogMs / 2)));
    timer.unref();
    return () => clearInterval(timer);
  }
}
