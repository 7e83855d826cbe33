import { didYouMean } from "../shared/did-you-mean.js";
import { FleetError } from "../shared/errors.js";

/** One CLI subcommand: `run` returns the process exit code (see docs/cli.md). */
export interface Command {
  name: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

export const wantsHelp = (args: string[]): boolean => args.includes("--help") || args.includes("-h");

/**
 * `value` if it is one of `choices`; otherwise a usage error (exit 2) that names it, suggests
 * the closest choice and lists them all: `unknown subcommand 'bogus' (did you mean …?); …`.
 */
export function oneOf<T extends string>(what: string, value: string, choices: readonly T[], usage?: string): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new FleetError("KF_ERR_USAGE", `unknown ${what} '${value}'${didYouMean(value, choices)}; one of: ${choices.join(", ")}${usage ? `\n\n${usage}` : ""}`);
}
