// One long-lived `git cat-file --batch` per mirror: every object the controller reads (the
// branch's head, commits, trees, files) is a line on its stdin and an answer on its stdout, so
// a commit costs no process beyond its `git fetch`. Requests are pipelined in order (git
// answers in order); one that gets no answer in time kills the child and fails what waits.
// The child starts at the first read and again after it died or was stopped; it exits on its
// own when its stdin closes, so it cannot outlive the controller even on a crash.
//
// It sees what later fetches bring: git reads loose objects and refs from disk on each
// request and re-scans the pack directory when an object is not in the packs it knows.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { BatchOutput, type BatchAnswer } from "./cat-file-output.js";

export interface CatFileOptions {
  /** The repository (git's working directory). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Kill the child when a request stays unanswered this long. */
  timeoutMs: number;
  /** The program and its arguments: git's, unless a test stands in another. */
  argv?: readonly string[];
}

interface Waiting {
  resolve(answer: BatchAnswer): void;
  reject(err: Error): void;
}

/** How long a child may take to exit after its stdin closed, before it is killed. */
const EXIT_GRACE_MS = 2_000;

export class CatFileBatch {
  private child: ChildProcessWithoutNullStreams | null = null;
  private output = new BatchOutput();
  private readonly waiting: Waiting[] = [];
  private timer: NodeJS.Timeout | null = null;
  private stderr = "";
  private closed = false;
  /** Children started: lets tests see a restart, or that none happened. */
  started = 0;

  constructor(private readonly opts: CatFileOptions) {}

  /** The running child's pid, if one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * The object `name` names: an oid or any revision expression git reads (`<rev>^{tree}`,
   * `refs/heads/main`). A name must be one line.
   */
  read(name: string): Promise<BatchAnswer> {
    if (this.closed) return Promise.reject(new Error("the object reader is closed"));
    if (/[\n\r\0]/.test(name)) return Promise.reject(new Error(`an object name cannot hold a line break or NUL: ${JSON.stringify(name)}`));
    const child = this.child ?? this.start();
    return new Promise<BatchAnswer>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (this.waiting.length === 1) this.arm(child);
      child.stdin.write(`${name}\n`);
    });
  }

  /** Ends the running child (the next read starts another): after the mirror was re-cloned. */
  async restart(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.fail(child, new Error("the object reader was restarted"), "end");
    await ended(child);
  }

  /** Ends the child for good: reads from now on are refused. */
  async close(): Promise<void> {
    this.closed = true;
    await this.restart();
  }

  private start(): ChildProcessWithoutNullStreams {
    const [command = "git", ...args] = this.opts.argv ?? ["git", "cat-file", "--batch"];
    const child = spawn(command, args, { cwd: this.opts.cwd, env: this.opts.env, stdio: ["pipe", "pipe", "pipe"] });
    this.child = child;
    this.output = new BatchOutput();
    this.stderr = "";
    this.started++;
    child.stdout.on("data", (chunk: Buffer) => this.answered(child, chunk));
    child.stderr.on("data", (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString("utf8")).slice(-2000)));
    child.stdin.on("error", () => undefined); // EPIPE when it died: its exit says why
    child.on("error", (err) => this.fail(child, err, "kill"));
    // "close", not "exit": answers already in the pipe are read first.
    child.on("close", (code, signal) => this.fail(child, new Error(`git cat-file exited (${signal ?? `code ${code}`})${this.stderr ? `: ${this.stderr.trim()}` : ""}`), "end"));
    return child;
  }

  private answered(child: ChildProcessWithoutNullStreams, chunk: Buffer): void {
    if (child !== this.child) return;
    let answers: BatchAnswer[];
    try {
      answers = this.output.push(chunk);
    } catch (err) {
      return this.fail(child, err as Error, "kill");
    }
    for (const answer of answers) {
      const w = this.waiting.shift();
      if (!w) return this.fail(child, new Error("git cat-file answered a request nobody made"), "kill");
      w.resolve(answer);
    }
    this.arm(child);
  }

  /** The timeout runs while a request waits, from the child's last output on; between requests the child does not hold the event loop. */
  private arm(child: ChildProcessWithoutNullStreams): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const busy = this.waiting.length > 0;
    // The pipes are sockets (ref/unref), though typed as plain streams.
    for (const handle of [child, child.stdin, child.stdout, child.stderr] as unknown as { ref(): void; unref(): void }[]) {
      if (busy) handle.ref();
      else handle.unref();
    }
    if (!busy) return;
    this.timer = setTimeout(() => this.fail(child, new Error(`git cat-file answered nothing for ${this.opts.timeoutMs} ms`), "kill"), this.opts.timeoutMs);
  }

  /**
   * The child is done for (died, stalled, spoke nonsense, or was stopped): what waits fails, the
   * next read starts another. `end` closes its stdin (it exits on its own, killed if it lingers);
   * `kill` is for a child that cannot be trusted to read it.
   */
  private fail(child: ChildProcessWithoutNullStreams, err: Error, how: "end" | "kill"): void {
    if (child !== this.child) return;
    this.child = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.waiting.splice(0)) w.reject(err);
    child.stdin.end();
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (how === "kill") return void child.kill("SIGKILL");
    const kill = setTimeout(() => child.kill("SIGKILL"), EXIT_GRACE_MS);
    kill.unref();
    child.once("exit", () => clearTimeout(kill));
  }
}

/** Resolves when the child has exited (at once if it has). */
function ended(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}
