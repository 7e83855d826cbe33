// Every child process this (test) process starts, whatever starts it: simple-git, our own
// spawn, execFile. Counted where they all pass: ChildProcess.prototype.spawn for the async
// ones, the exported sync functions for the rest. To prove how many processes a path costs.
import { ChildProcess } from "node:child_process";
import { createRequire, syncBuiltinESMExports } from "node:module";

type ChildProcessModule = typeof import("node:child_process");
const cp = createRequire(import.meta.url)("node:child_process") as ChildProcessModule;
const SYNC = ["spawnSync", "execSync", "execFileSync"] as const;

export interface ChildProcessLog {
  /** Each child's command line, in start order. */
  readonly started: string[];
  /** Stops counting (restores child_process as it was). */
  stop(): void;
}

export function logChildProcesses(): ChildProcessLog {
  const started: string[] = [];
  const proto = ChildProcess.prototype as unknown as { spawn(options: { file: string; args: string[] }): unknown };
  const spawn = proto.spawn;
  proto.spawn = function (this: unknown, options) {
    started.push(options.args.join(" "));
    return spawn.call(this, options);
  };
  const sync = SYNC.map((name) => [name, cp[name]] as const);
  for (const [name, original] of sync) {
    (cp as Record<string, unknown>)[name] = (...args: unknown[]) => {
      started.push(`${name} ${String(args[0])}`);
      return (original as (...a: unknown[]) => unknown)(...args);
    };
  }
  syncBuiltinESMExports();
  return {
    started,
    stop() {
      proto.spawn = spawn;
      for (const [name, original] of sync) (cp as Record<string, unknown>)[name] = original;
      syncBuiltinESMExports();
    },
  };
}
