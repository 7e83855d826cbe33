// systemctl and journalctl: argv building and pure parsers of their output. The service and
// systemd-dropin kinds decide from the parsed state and run these argv through the executor;
// nothing else knows systemctl's spelling. Captured outputs: agent/kinds/testdata/systemd/.
//
// No `--root`: every command acts on the systemd the executor reaches, whose files are at "/".
// --root only covers unit-file operations (enable, mask), never start/stop or `show`'s
// ActiveState, so honouring a root would observe one system and change another: the kinds
// refuse any root but "/" (requireLiveRoot). Tests reach a container's systemd through an
// nsenter executor plus a Files provider rooted in the container, with root "/".
import type { ExecResult, Executor } from "./executor.js";

export const SYSTEMCTL = "/usr/bin/systemctl";
export const JOURNALCTL = "/usr/bin/journalctl";
export const JOURNAL_LINES = 50;

/** Verbs the kinds run on one unit. */
export type UnitVerb = "enable" | "disable" | "start" | "stop" | "restart" | "reload" | "mask" | "unmask";
type Argv = [string, ...string[]];

/** What the service kind reads, in one `systemctl show`. */
export const UNIT_PROPERTIES = ["LoadState", "ActiveState", "SubState", "UnitFileState", "FragmentPath", "NeedDaemonReload"] as const;
/** What a reload also reads: whom ExecReload signals, and the main process that would get it. */
export const RELOAD_PROPERTIES = [...UNIT_PROPERTIES, "MainPID", "ExecReload"] as const;
/** What the systemd-dropin kind reads: whether systemd has loaded the drop-ins on disk. */
export const DROPIN_PROPERTIES = ["LoadState", "DropInPaths", "NeedDaemonReload"] as const;

/** Unit types the service kind manages. A bare name ("httpd") means a .service. */
const SUFFIXES = /\.(service|timer|socket|mount)$/;
export const normalizeUnit = (name: string): string => (SUFFIXES.test(name) ? name : `${name}.service`);

export const showArgv = (unit: string, properties: readonly string[]): Argv => [SYSTEMCTL, "show", `--property=${properties.join(",")}`, unit];
/** `unmask --runtime` removes a mask in /run; a plain unmask leaves it in place (exit 0). */
export const unitArgv = (verb: UnitVerb, unit: string, opts: { runtime?: boolean } = {}): Argv => [SYSTEMCTL, verb, ...(opts.runtime ? ["--runtime"] : []), unit];
export const daemonReloadArgv = (): Argv => [SYSTEMCTL, "daemon-reload"];
/** A process's signal dispositions (SigCgt, SigIgn), read where the executor runs (its PID namespace). */
export const procStatusArgv = (pid: number): Argv => ["/usr/bin/cat", `/proc/${pid}/status`];
export const journalArgv = (unit: string, lines = JOURNAL_LINES): Argv => [JOURNALCTL, "-u", unit, "-n", String(lines), "--no-pager", "-o", "short-iso"];

/** `systemctl show` output: KEY=value lines (values may contain '='); one unit's block. */
export function parseShow(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

export interface UnitStatus {
  /** loaded, not-found, masked, bad-setting, error */
  loadState: string;
  /** active, reloading, inactive, failed, activating, deactivating */
  activeState: string;
  /** running, dead, exited, failed, auto-restart, … */
  subState: string;
  /** enabled, enabled-runtime, disabled, static, masked, masked-runtime, indirect, generated, alias, linked…; "" when not found */
  unitFileState: string;
  fragmentPath: string;
  /** The unit's files changed on disk since systemd loaded them. */
  needDaemonReload: boolean;
}

function field(fields: Record<string, string>, key: string, text: string): string {
  const value = fields[key];
  // systemctl prints every property asked for, even empty: a missing one means foreign output.
  if (value === undefined) throw new Error(`systemctl show printed no ${key}: ${JSON.stringify(text.slice(0, 200))}`);
  return value;
}

export function parseUnitStatus(text: string): UnitStatus {
  const f = parseShow(text);
  return {
    loadState: field(f, "LoadState", text),
    activeState: field(f, "ActiveState", text),
    subState: field(f, "SubState", text),
    unitFileState: field(f, "UnitFileState", text),
    fragmentPath: field(f, "FragmentPath", text),
    needDaemonReload: field(f, "NeedDaemonReload", text) === "yes",
  };
}

/** The signal ExecReload sends to the main process, and that process. */
export interface ReloadTarget {
  /** 0: no main process (not started, or it exited). */
  mainPid: number;
  /** The signal of a `kill -SIG $MAINPID` reload whose default action ends the process; null for any other reload. */
  signal: { name: string; number: number } | null;
}

// Linux numbers of the signals a reload is sent as whose default action terminates the process
// (a handler installed late, e.g. kojid's SIGUSR1 after it logged in, leaves a window in which
// the reload kills it). Others (WINCH, CONT…) are harmless unhandled and not checked.
const DEADLY_SIGNALS: Readonly<Record<string, number>> = { HUP: 1, INT: 2, QUIT: 3, USR1: 10, USR2: 12, ALRM: 14, TERM: 15 };

function deadlySignal(spec: string): { name: string; number: number } | null {
  const bare = spec.toUpperCase().replace(/^SIG/, "");
  const byNumber = Object.entries(DEADLY_SIGNALS).find(([, n]) => String(n) === bare);
  const name = byNumber ? byNumber[0] : bare;
  const number = DEADLY_SIGNALS[name];
  return number === undefined ? null : { name, number };
}

/**
 * The signal of one ExecReload command line when it is `kill` of $MAINPID: `kill -USR1 $MAINPID`,
 * `-SIGHUP`, `-s HUP`, `--signal HUP`, `-1`, `${MAINPID}`. Anything else (httpd -k graceful,
 * exportfs -r, a kill of another PID) is null.
 */
export function reloadSignal(argv: readonly string[]): { name: string; number: number } | null {
  const [cmd, ...args] = argv;
  if (cmd === undefined || !/(^|\/)kill$/.test(cmd)) return null;
  if (args.length === 0 || !["$MAINPID", "${MAINPID}"].includes(args[args.length - 1]!)) return null;
  const opts = args.slice(0, -1);
  if (opts.length === 1 && /^-\w+$/.test(opts[0]!)) return deadlySignal(opts[0]!.slice(1));
  if (opts.length === 2 && ["-s", "--signal"].includes(opts[0]!)) return deadlySignal(opts[1]!);
  return null;
}

/**
 * MainPID and ExecReload of `systemctl show`. ExecReload is printed once per command (sshd has
 * two), each as `ExecReload={ path=/bin/kill ; argv[]=/bin/kill -USR1 $MAINPID ; ignore_errors=no ; … }`,
 * or once empty when the service has none; units other than services (a .mount) have neither.
 */
export function parseReloadTarget(text: string): ReloadTarget {
  const mainPid = Number(parseShow(text).MainPID ?? 0);
  const lines = text.split("\n").filter((l) => l.startsWith("ExecReload="));
  const commands = lines.map((l) => /argv\[\]=(.*?) ;/.exec(l)?.[1]?.split(" ").filter(Boolean) ?? []);
  const signal = commands.map(reloadSignal).find((s) => s !== null) ?? null;
  return { mainPid: Number.isInteger(mainPid) && mainPid > 0 ? mainPid : 0, signal };
}

/** Whether a process (its /proc/PID/status) catches or ignores `signal`: only then does it survive it. */
export function handlesSignal(procStatus: string, signal: number): boolean {
  const mask = (key: string): bigint => {
    const hex = new RegExp(`^${key}:\\s*([0-9a-f]+)$`, "m").exec(procStatus)?.[1];
    if (hex === undefined) throw new Error(`/proc status without ${key}`);
    return BigInt(`0x${hex}`);
  };
  const bit = 1n << BigInt(signal - 1);
  return ((mask("SigCgt") | mask("SigIgn")) & bit) !== 0n;
}

export interface DropInStatus {
  loadState: string;
  /** Drop-in files systemd has loaded for the unit (paths as the managed system sees them). */
  dropInPaths: string[];
  needDaemonReload: boolean;
}

export function parseDropInStatus(text: string): DropInStatus {
  const f = parseShow(text);
  return {
    loadState: field(f, "LoadState", text),
    dropInPaths: field(f, "DropInPaths", text).split(" ").filter(Boolean),
    needDaemonReload: field(f, "NeedDaemonReload", text) === "yes",
  };
}

/** Running or on its way there; a unit waiting to be restarted after a crash is not. */
export const isRunning = (s: UnitStatus): boolean => ["active", "reloading", "activating"].includes(s.activeState) && s.subState !== "auto-restart";
/** Stopped enough: nothing to stop (a failed unit has no processes left). */
export const isStopped = (s: UnitStatus): boolean => s.activeState === "inactive" || s.activeState === "failed";
export const isMasked = (s: UnitStatus): boolean => s.unitFileState === "masked" || s.unitFileState === "masked-runtime";
/**
 * Whether `enabled: true` needs an `enable`. static, indirect, generated, transient and alias
 * units have nothing to enable (systemctl enable prints a hint and changes nothing), so they
 * count as enabled; enabled-runtime is lost at reboot, so it does not.
 */
export const needsEnable = (s: UnitStatus): boolean => ["disabled", "enabled-runtime", "linked", "linked-runtime", "masked", "masked-runtime", "bad", ""].includes(s.unitFileState);
export const needsDisable = (s: UnitStatus): boolean => s.unitFileState === "enabled" || s.unitFileState === "enabled-runtime";

/**
 * The systemd kinds need root "/": with any other root the executor's systemd is not the one of
 * that tree (an image, an installroot), and starting units on it would change the wrong machine.
 */
export function requireLiveRoot(root: string, kind: string): void {
  if (root !== "/") throw new Error(`${kind} acts on the running systemd and needs root "/", not ${root}: systemctl --root cannot start units or report their state`);
}

/** A command's failure as one line, or null when it exited 0. */
export function failureOf(r: ExecResult): string | null {
  if (r.exitCode === 0 && !r.timedOut) return null;
  const how = r.timedOut ? "timed out" : r.exitCode === null ? `was killed by ${r.signal}` : `exited with code ${r.exitCode}`;
  const said = (r.stderr.trim() || r.stdout.trim()).slice(-1000);
  return `${r.argv.join(" ")} ${how}${said ? `: ${said}` : ""}`;
}

/**
 * The unit's last journal lines, for error messages (style habit 5). Best effort: a journal
 * that cannot be read says why instead of hiding the original error.
 */
export async function journalTail(exec: Executor, unit: string, signal?: AbortSignal): Promise<string> {
  try {
    const r = await exec.run({ argv: journalArgv(unit), timeoutMs: 15_000, ...(signal && { signal }) });
    const failed = failureOf(r);
    if (failed) return `(journal unavailable: ${failed})`;
    const text = r.stdout.trimEnd();
    return text ? `last ${JOURNAL_LINES} journal lines of ${unit}:\n${text}` : `(no journal entries for ${unit})`;
  } catch (err) {
    return `(journal unavailable: ${(err as Error).message})`;
  }
}
