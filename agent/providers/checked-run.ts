// Runs one OS tool through the Executor for the account, firewall, SELinux, mount and NFS
// providers. An exit code the caller did not allow becomes an Error naming the command and
// ending with its stderr: that text is what lands in the converge report, so it has to be
// what an admin needs to act on. Tools run with LC_ALL=C.UTF-8 because the parsers match
// English words ("Would relabel", "not running").
import { ExecError, type Executor, type ExecResult } from "./executor.js";

export interface ToolContext {
  exec: Executor;
  signal?: AbortSignal;
}

export interface RunOptions {
  /** Exit codes that are a result, not a failure. Default [0]. */
  ok?: readonly number[];
  timeoutMs?: number;
  /** The package that ships the program, for the "cannot start" message. */
  pkg?: string;
}

/** Reading commands are quick; a hung one (NFS, D-Bus) must not eat the resource deadline. */
export const READ_TIMEOUT_MS = 60_000;
/** setsebool -P and semanage rebuild the policy; restorecon -R walks whole trees. */
export const SLOW_TIMEOUT_MS = 600_000;
const STDERR_TAIL = 1_000;

/** argv for humans: words with spaces or quotes are JSON-quoted. */
export const showCommand = (argv: readonly string[]): string => argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(" ");

export class ToolError extends Error {
  override name = "ToolError";
  constructor(
    readonly argv: readonly string[],
    readonly result: ExecResult | null,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const tail = (text: string): string => {
  const t = text.trim();
  return t.length <= STDERR_TAIL ? t : `…${t.slice(-STDERR_TAIL)}`;
};

export async function runTool(t: ToolContext, argv: readonly [string, ...string[]], opts: RunOptions = {}): Promise<ExecResult> {
  let result: ExecResult;
  try {
    result = await t.exec.run({ argv, env: { LC_ALL: "C.UTF-8" }, timeoutMs: opts.timeoutMs ?? READ_TIMEOUT_MS, ...(t.signal && { signal: t.signal }) });
  } catch (err) {
    if (!(err instanceof ExecError)) throw err;
    const hint = opts.pkg ? ` (is ${opts.pkg} installed?)` : "";
    throw new ToolError(argv, null, `${err.message}${hint}`, { cause: err });
  }
  const ok = opts.ok ?? [0];
  if (result.timedOut) throw new ToolError(argv, result, `${showCommand(argv)} timed out`);
  if (result.exitCode === null) throw new ToolError(argv, result, `${showCommand(argv)} was killed by ${result.signal}`);
  if (!ok.includes(result.exitCode)) {
    const why = tail(result.stderr) || tail(result.stdout);
    throw new ToolError(argv, result, `${showCommand(argv)} exited with code ${result.exitCode}${why ? `: ${why}` : ""}`);
  }
  return result;
}
