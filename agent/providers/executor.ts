// The one runner through which every command on the host goes (style habit 5): argv arrays
// only (never a shell string), a timeout, capped output. A non-zero exit is a *result*, not
// an error: callers decide what success means. Only "could not start at all" rejects.
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";

export interface ExecRequest {
  argv: readonly [string, ...string[]];
  cwd?: string;
  /** Added to (and overriding) the agent's own environment. */
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
  maxOutputBytes?: number;
  signal?: AbortSignal;
}

export interface ExecResult {
  argv: string[];
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
}

export interface Executor {
  run(req: ExecRequest): Promise<ExecResult>;
}

export class ExecError extends Error {
  override name = "ExecError";
  constructor(
    readonly argv: string[],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const DEFAULT_TIMEOUT_MS = 300_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
/** After SIGTERM a process gets this long to exit before SIGKILL. */
const KILL_GRACE_MS = 2_000;

/** Keeps the head and the tail of a stream (the tail holds the error, the head the context). */
class CappedBuffer {
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private dropped = 0;
  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    const headRoom = Math.ceil(this.cap / 2) - this.headBytes;
    if (headRoom > 0) {
      const part = chunk.subarray(0, headRoom);
      this.head.push(part);
      this.headBytes += part.length;
      chunk = chunk.subarray(part.length);
    }
    if (chunk.length === 0) return;
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    const tailCap = Math.floor(this.cap / 2);
    while (this.tailBytes > tailCap) {
      const first = this.tail[0]!;
      const excess = this.tailBytes - tailCap;
      if (first.length <= excess) {
        this.tail.shift();
        this.tailBytes -= first.length;
        this.dropped += first.length;
      } else {
        this.tail[0] = first.subarray(excess);
        this.tailBytes -= excess;
        this.dropped += excess;
      }
    }
  }

  toString(): string {
    const head = Buffer.concat(this.head).toString("utf8");
    const tail = Buffer.concat(this.tail).toString("utf8");
    return this.dropped === 0 ? head + tail : `${head}\n…[${this.dropped} bytes truncated]…\n${tail}`;
  }
}

export function createExecutor(): Executor {
  return { run };
}

function run(req: ExecRequest): Promise<ExecResult> {
  const argv = [...req.argv];
  const [file, ...args] = argv as [string, ...string[]];
  const cap = req.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  if (req.signal?.aborted) {
    return Promise.reject(new ExecError(argv, `${file}: not started, aborted`, { cause: req.signal.reason }));
  }
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, args, {
      cwd: req.cwd,
      env: req.env ? { ...process.env, ...req.env } : process.env,
      shell: false,
      stdio: [req.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    const stdout = new CappedBuffer(cap);
    const stderr = new CappedBuffer(cap);
    let timedOut = false;
    let spawned = false;
    let killTimer: NodeJS.Timeout | undefined;

    const terminate = () => {
      child.kill("SIGTERM");
      killTimer = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      terminate();
    }, req.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    req.signal?.addEventListener("abort", terminate, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      req.signal?.removeEventListener("abort", terminate);
    };

    child.stdout!.on("data", (c: Buffer) => stdout.push(c));
    child.stderr!.on("data", (c: Buffer) => stderr.push(c));
    child.on("spawn", () => {
      spawned = true;
      if (child.stdin && req.input !== undefined) {
        // A program may exit without reading its input; EPIPE is then not our failure.
        child.stdin.on("error", () => undefined);
        child.stdin.end(req.input);
      }
    });
    child.on("error", (err) => {
      if (spawned) return; // e.g. a failed kill(); the close event still reports the outcome
      cleanup();
      reject(new ExecError(argv, `${file}: cannot start: ${err.message}`, { cause: err }));
    });
    child.on("close", (exitCode, signal) => {
      cleanup();
      if (!spawned) return;
      resolve({
        argv,
        exitCode,
        signal,
        stdout: stdout.toString(),
        stderr: stderr.toString(),
        durationMs: Math.round(performance.now() - started),
        timedOut,
      });
    });
  });
}

/** One expected command and its reply, for RecordingExecutor. */
export interface ExpectedCall {
  argv: readonly string[];
  result?: Partial<Omit<ExecResult, "argv">>;
  /** Reject instead of replying, as when the program does not exist. */
  error?: Error;
}
export type Responder = (req: ExecRequest) => Partial<Omit<ExecResult, "argv">> | undefined | Promise<Partial<Omit<ExecResult, "argv">> | undefined>;

const show = (argv: readonly string[]): string => JSON.stringify(argv);

/**
 * Replays captured output for provider tests (habit 14) and records every request, so tests
 * assert the exact argv. With a list, calls must come in that order; with a responder,
 * returning undefined means "unknown command".
 */
export class RecordingExecutor implements Executor {
  readonly calls: ExecRequest[] = [];
  private readonly expected: ExpectedCall[] | undefined;
  private readonly responder: Responder | undefined;

  constructor(replies: readonly ExpectedCall[] | Responder) {
    if (typeof replies === "function") this.responder = replies;
    else this.expected = [...replies];
  }

  /** Expected calls not made yet (list mode). */
  get pending(): readonly ExpectedCall[] {
    return this.expected ?? [];
  }

  async run(req: ExecRequest): Promise<ExecResult> {
    this.calls.push(req);
    const argv = [...req.argv];
    let reply: Partial<Omit<ExecResult, "argv">> | undefined;
    if (this.responder) {
      reply = await this.responder(req);
      if (!reply) throw new Error(`RecordingExecutor: unexpected command ${show(argv)}`);
    } else {
      const next = this.expected!.shift();
      if (!next) throw new Error(`RecordingExecutor: unexpected command ${show(argv)}: no more commands expected`);
      if (show(next.argv) !== show(argv)) {
        throw new Error(`RecordingExecutor: unexpected command ${show(argv)}, expected ${show(next.argv)}`);
      }
      if (next.error) throw next.error;
      reply = next.result ?? {};
    }
    return { argv, exitCode: 0, signal: null, stdout: "", stderr: "", durationMs: 0, timedOut: false, ...reply };
  }
}
