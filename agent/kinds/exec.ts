// `exec`: runs a command (argv, never a shell) when its guards say the work is not done.
// Guards make it idempotent: `creates` (skip when that path exists), `unless` (skip when it
// exits 0), `onlyIf` (run only when it exits 0), or `refreshOnly` (run only when notified).
// One of them is required: an unguarded command could never be "unchanged", and the engine's
// re-observe after apply would report it as still differing. Guards run during observe (also
// in noop and sandbox), so they must be read-only checks.
import { Type, type Static } from "@sinclair/typebox";
import type { ExecRequest, ExecResult } from "../providers/executor.js";
import { resolveUnderRoot } from "../providers/files.js";
import { AbsolutePath } from "./common.js";
import type { Kind, KindContext } from "./kind.js";

const Argv = Type.Array(Type.String({ maxLength: 65_536 }), { minItems: 1, maxItems: 4096 });

export const ExecPropsSchema = Type.Object(
  {
    argv: Argv,
    cwd: Type.Optional(AbsolutePath),
    env: Type.Optional(Type.Record(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }), Type.String(), { additionalProperties: false })),
    creates: Type.Optional(AbsolutePath),
    unless: Type.Optional(Argv),
    onlyIf: Type.Optional(Argv),
    refreshOnly: Type.Optional(Type.Boolean()),
    /** Kill the command (not the guards) after this long; the resource timeout still applies. */
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    /** Exit codes that mean success. */
    returns: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 255 }), { minItems: 1 })),
  },
  { additionalProperties: false },
);
export type ExecProps = Static<typeof ExecPropsSchema>;

export interface ExecObserved {
  /** Why the command has to run; null when it does not. */
  runBecause: string | null;
}

const GUARD_TIMEOUT_MS = 60_000;
const STDERR_TAIL_CHARS = 1_000;

/** argv for humans: words with spaces or quotes are JSON-quoted. */
export const showArgv = (argv: readonly string[]): string => argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(" ");

const tail = (text: string): string => {
  const t = text.trimEnd();
  return t.length <= STDERR_TAIL_CHARS ? t : `…${t.slice(-STDERR_TAIL_CHARS)}`;
};

function request(props: ExecProps, argv: readonly string[], ctx: KindContext, timeoutMs: number): ExecRequest {
  return {
    argv: argv as [string, ...string[]],
    ...(props.cwd !== undefined && { cwd: resolveUnderRoot(ctx.root, props.cwd) }),
    ...(props.env !== undefined && { env: props.env }),
    timeoutMs,
    signal: ctx.signal,
  };
}

async function guardPasses(props: ExecProps, argv: readonly string[], name: string, ctx: KindContext): Promise<boolean> {
  const result = await ctx.exec.run(request(props, argv, ctx, GUARD_TIMEOUT_MS));
  if (result.timedOut) throw new Error(`${name} guard ${showArgv(argv)} timed out`);
  return result.exitCode === 0;
}

/** null when a guard says the work is done, else the reason to run. */
async function checkGuards(props: ExecProps, ctx: KindContext): Promise<string | null> {
  const reasons: string[] = [];
  if (props.creates !== undefined) {
    if (await ctx.files.lstat(resolveUnderRoot(ctx.root, props.creates))) return null;
    reasons.push(`${props.creates} is absent`);
  }
  if (props.unless !== undefined) {
    if (await guardPasses(props, props.unless, "unless", ctx)) return null;
    reasons.push("unless failed");
  }
  if (props.onlyIf !== undefined) {
    if (!(await guardPasses(props, props.onlyIf, "onlyIf", ctx))) return null;
    reasons.push("onlyIf succeeded");
  }
  return reasons.join(", ");
}

function failure(argv: readonly string[], result: ExecResult, returns: readonly number[]): Error | null {
  const how = result.timedOut
    ? "timed out"
    : result.exitCode === null
      ? `was killed by ${result.signal}`
      : returns.includes(result.exitCode)
        ? null
        : `exited with code ${result.exitCode} (expected ${returns.join(" or ")})`;
  if (how === null) return null;
  const stderr = tail(result.stderr);
  return new Error(`${showArgv(argv)} ${how}${stderr ? `: ${stderr}` : ""}`);
}

async function runCommand(props: ExecProps, ctx: KindContext): Promise<void> {
  const timeoutMs = (props.timeoutSeconds ?? 300) * 1000;
  const result = await ctx.exec.run(request(props, props.argv, ctx, timeoutMs));
  const err = failure(props.argv, result, props.returns ?? [0]);
  if (err) throw err;
}

export const execKind: Kind<ExecProps, ExecObserved> = {
  name: "exec",
  schema: ExecPropsSchema,
  appliesInSandbox: false,
  summary: (props) => `run ${showArgv(props.argv)}`,
  refreshes: (props) => props.refreshOnly === true,
  // Above the command's own default (300 s), so the command is killed first and says so.
  defaultTimeoutSeconds: 330,

  async observe(props, ctx) {
    if (props.refreshOnly) return { runBecause: null };
    if (props.creates === undefined && props.unless === undefined && props.onlyIf === undefined) {
      throw new Error("exec needs creates, unless, onlyIf or refreshOnly: unguarded it would run on every converge");
    }
    return { runBecause: await checkGuards(props, ctx) };
  },

  diff: (props, observed) => (observed.runBecause === null ? [] : [`run ${showArgv(props.argv)} (${observed.runBecause})`]),

  apply: (props, _observed, ctx) => runCommand(props, ctx),

  /** A refreshOnly command runs on notification, still subject to its guards. */
  async refresh(props, ctx) {
    if (!props.refreshOnly) return [];
    const guarded = props.creates !== undefined || props.unless !== undefined || props.onlyIf !== undefined;
    if (guarded && (await checkGuards(props, ctx)) === null) return [];
    await runCommand(props, ctx);
    return [`ran ${showArgv(props.argv)}`];
  },
};
