// `command` probe: runs one argv through the executor (never a shell) and judges its exit code
// and, optionally, its output: `pg_isready -h db -d koji`, `systemctl is-active kojira`.
// The argv comes from the catalog, like an exec resource's: a probe author must keep it
// read-only, the agent cannot tell a query from a change.
import { Type, type Static } from "@sinclair/typebox";
import type { ProbeKind } from "./index.js";
import { RegexString, TimeoutMs, compileRegex, excerpt, healthy, unhealthy } from "./common.js";

export const CommandProbeSchema = Type.Object(
  {
    argv: Type.Array(Type.String({ maxLength: 4096 }), { minItems: 1, maxItems: 256 }),
    expectExit: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
    /** Tested against stdout, then stderr, joined by a newline. */
    outputMatches: Type.Optional(RegexString),
    timeoutMs: Type.Optional(TimeoutMs),
  },
  { additionalProperties: false },
);
export type CommandProbeProps = Static<typeof CommandProbeSchema>;

const DEFAULT_TIMEOUT_MS = 20_000;
/** Enough for a status line or a version; a probe never needs megabytes. */
const MAX_OUTPUT_BYTES = 64 * 1024;

export const commandProbe: ProbeKind<CommandProbeProps> = {
  name: "command",
  schema: CommandProbeSchema,
  async check(props, ctx) {
    const want = props.expectExit ?? 0;
    const re = props.outputMatches === undefined ? undefined : compileRegex(props.outputMatches, "outputMatches");
    if (typeof re === "string") return unhealthy(re);
    const [file, ...args] = props.argv as [string, ...string[]];
    const shown = props.argv.join(" ");
    let r;
    try {
      r = await ctx.exec.run({ argv: [file, ...args], cwd: "/", timeoutMs: props.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxOutputBytes: MAX_OUTPUT_BYTES, signal: ctx.signal });
    } catch (err) {
      return unhealthy(`${shown}: ${(err as Error).message}`);
    }
    const seen = [r.stdout, r.stderr].filter((s) => s.trim() !== "").join("\n");
    if (r.timedOut) return unhealthy(`${shown}: timed out: ${excerpt(seen)}`);
    if (r.exitCode !== want) {
      const how = r.exitCode === null ? `killed by ${r.signal ?? "a signal"}` : `exited ${r.exitCode}`;
      return unhealthy(`${shown}: ${how}, expected ${want}: ${excerpt(seen)}`);
    }
    if (re && !re.test(`${r.stdout}\n${r.stderr}`)) return unhealthy(`${shown}: output does not match /${props.outputMatches}/: ${excerpt(seen)}`);
    return healthy(`${shown}: exit ${want}: ${excerpt(seen)}`);
  },
};
