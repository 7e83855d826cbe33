/** One CLI subcommand: `run` returns the process exit code (see docs/cli.md). */
export interface Command {
  name: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

export const wantsHelp = (args: string[]): boolean => args.includes("--help") || args.includes("-h");
