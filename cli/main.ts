// Entry: dispatch to one file per subcommand.
import { ERROR_CODES, exitCodeOf, FleetError } from "../shared/errors.js";
import { VERSION } from "../shared/version.js";
import { COMMANDS } from "./commands.js";

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `koji-fleet ${VERSION}: keeps a Koji build farm converged to what a git repository says`,
    "",
    "usage: koji-fleet <command> [options]      koji-fleet <command> --help",
    "",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    `exit codes: 0 ok, ${Object.values(ERROR_CODES).sort((a, b) => a.exit - b.exit).map((e) => `${e.exit} ${e.summary}`).join(", ")} (docs/errors.md)`,
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(help());
    return name ? 0 : 2;
  }
  if (name === "--version") {
    console.log(VERSION);
    return 0;
  }
  const cmd = await COMMANDS.find((c) => c.name === name)?.load();
  if (!cmd) {
    console.error(`koji-fleet: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  return cmd.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (thrown: unknown) => {
    // node:util's parseArgs refuses an unknown or malformed option: a usage error, not an internal one.
    const err = String((thrown as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS_") ? new FleetError("KF_ERR_USAGE", (thrown as Error).message) : thrown;
    console.error(`koji-fleet: ${err instanceof FleetError ? `${err.code}: ` : ""}${(err as Error).message}`);
    process.exitCode = exitCodeOf(err);
  },
);
