// The long-running side of `koji-fleet agent` and `koji-fleet controller`: one runner, so
// both daemons talk to systemd alike (docs/install.md).
//   READY=1 only once the daemon is ready; STATUS= follows summary(); WATCHDOG=1 only while
//   healthy(); SIGTERM/SIGINT → STOPPING=1, graceful stop, exit 0; SIGHUP → re-read the config
//   file and, if it changed, stop the daemon and start a new one in this process. A config
//   that does not validate is refused and the running daemon keeps its old one.
import { createLogger, type Logger } from "../shared/log.js";
import { ERROR_CODES, exitCodeOf } from "../shared/errors.js";
import { SdNotify } from "../agent/sd-notify.js";

export interface DaemonInstance {
  /** Resolves when the daemon may be announced with READY=1. */
  readonly ready: Promise<unknown>;
  /** Settles when the daemon ends: after stop(), or on its own (a failure). */
  readonly done: Promise<unknown>;
  healthy(): boolean;
  /** One line for `systemctl status`. */
  summary(): string;
  /** Graceful; resolves once stopped. */
  stop(): Promise<unknown>;
}

export interface DaemonSpec<C> {
  /** The logger's `svc`: koji-fleet-agent, koji-fleet-controller. */
  readonly name: string;
  /** Reads and validates the config file; throws FleetError(KF_ERR_CONFIG_INVALID) with file:line:col lines. */
  read(file: string): C;
  logLevel(config: C): string;
  start(config: C, log: Logger): DaemonInstance;
}

export interface DaemonOptions {
  notify?: SdNotify;
  /** Where SIGTERM/SIGINT/SIGHUP come from (tests pass an EventEmitter). */
  signals?: Pick<NodeJS.EventEmitter, "on" | "off">;
  log?: Logger;
  /** How often summary() is polled for STATUS= (it is sent only when it changed). */
  statusEveryMs?: number;
}

type Request = "stop" | "reload";

/** Signals queue up here, so a SIGHUP during a reload is handled after it, not lost. */
class Inbox {
  private readonly queue: Request[] = [];
  private wake: (() => void) | null = null;
  push(r: Request): void {
    this.queue.push(r);
    this.wake?.();
  }
  async next(): Promise<Request> {
    while (this.queue.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
    return this.queue.shift()!;
  }
}

/** Runs until SIGTERM/SIGINT (→ 0) or until the daemon fails (→ its exit code). */
export async function runDaemon<C>(spec: DaemonSpec<C>, file: string, opts: DaemonOptions = {}): Promise<number> {
  const notify = opts.notify ?? new SdNotify();
  let config = spec.read(file); // invalid at start: the caller reports it and exits 1
  const log = opts.log ?? createLogger(spec.name, { level: spec.logLevel(config) });
  const signals = opts.signals ?? process;
  const inbox = new Inbox();
  let stopping = false;
  let reloading = false;
  let announced = "";

  const launch = (c: C): DaemonInstance => {
    const inst = spec.start(c, log);
    // The rejection is read by the main loop through `done`; unobserved until then it would
    // count as unhandled and kill the process.
    inst.done.catch(() => undefined);
    inst.ready.then(
      () => {
        if (inst !== current || stopping) return;
        announced = inst.summary();
        log.info({ status: announced }, "ready");
        void notify.ready(announced);
      },
      () => undefined,
    );
    return inst;
  };
  let current = launch(config);

  const onStop = () => {
    // STOPPING=1 at once: systemd shows "deactivating" while the resource in hand finishes.
    if (!stopping) void notify.stopping();
    stopping = true;
    inbox.push("stop");
  };
  const onHup = () => inbox.push("reload");
  signals.on("SIGTERM", onStop);
  signals.on("SIGINT", onStop);
  signals.on("SIGHUP", onHup);
  // While the old daemon finishes its work during a reload, this process is alive and well:
  // the pings prove the event loop runs, which is all the watchdog is for then.
  const stopWatchdog = notify.startWatchdog(() => reloading || current.healthy());
  const statusTimer = setInterval(() => {
    const now = current.summary();
    if (!announced || stopping || now === announced) return;
    announced = now;
    void notify.status(now);
  }, opts.statusEveryMs ?? 5_000);
  statusTimer.unref();

  const reload = async (): Promise<void> => {
    let next: C;
    try {
      next = spec.read(file);
    } catch (err) {
      log.error({ file }, `configuration reload refused, the daemon keeps its current configuration:\n${(err as Error).message}`);
      return;
    }
    if (JSON.stringify(next) === JSON.stringify(config)) {
      log.info({ file }, "configuration unchanged, nothing to reload");
      return;
    }
    log.info({ file }, "configuration changed: restarting the daemon in this process");
    reloading = true;
    announced = "";
    void notify.reloading();
    try {
      await current.stop();
    } finally {
      reloading = false;
    }
    config = next;
    log.level = spec.logLevel(next);
    if (!stopping) current = launch(next); // READY=1 again once the new one is ready
  };

  try {
    for (;;) {
      const event = await Promise.race([inbox.next(), current.done.then(() => "ended" as const)]);
      if (event === "ended") {
        log.error("the daemon ended without being asked to stop");
        return ERROR_CODES.KF_ERR_INTERNAL.exit; // non-zero: Restart=on-failure brings it back
      }
      if (event === "stop") break;
      if (!stopping) await reload();
    }
    log.info("stopping");
    await current.stop();
    log.info("stopped");
    return 0;
  } catch (err) {
    log.error({ err }, "the daemon failed");
    return exitCodeOf(err);
  } finally {
    signals.off("SIGTERM", onStop);
    signals.off("SIGINT", onStop);
    signals.off("SIGHUP", onHup);
    stopWatchdog();
    clearInterval(statusTimer);
  }
}
