// Entry: dispatch to one file per subcommand.
import { exitCodeOf, FleetError } from "../shared/errors.js";
import { VERSION } from "../shared/version.js";
import type { Command } from "./command.js";
import { agentCommand } from "./commands/agent.js";
import { controllerCommand } from "./commands/controller.js";
import { upCommand } from "./commands/up.js";
import { validateCommand } from "./commands/validate.js";
import { natsConfigCommand } from "./commands/nats-config.js";
import { tokenCommand } from "./commands/token.js";
import { caCommand } from "./commands/ca.js";
import { planCommand } from "./commands/plan.js";
import { pinCommand } from "./commands/pin.js";
import { rollbackCommand } from "./commands/rollback.js";
import { statusCommand } from "./commands/status.js";
import { hostsCommand } from "./commands/hosts.js";
import { eventsCommand } from "./commands/events.js";
import { rolloutCommand } from "./commands/rollout.js";

const commands: Command[] = [upCommand, controllerCommand, agentCommand, validateCommand, planCommand, pinCommand, rollbackCommand, caCommand, tokenCommand, natsConfigCommand];
commands.push(statusCommand, hostsCommand, eventsCommand, rolloutCommand);

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `koji-fleet ${VERSION}: keeps a Koji build farm converged to what a git repository says`,
    "",
    "usage: koji-fleet <command> [options]      koji-fleet <command> --help",
    "",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "exit codes: 0 ok, 1 invalid configuration, 2 usage error, 3 not found, 4 not ready, 5 git, 6 NATS, 70 internal",
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
  const cmd = commands.find((c) => c.name === name);
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
  (err: unknown) => {
    console.error(`koji-fleet: ${err instanceof FleetError ? `${err.code}: ` : ""}${(err as Error).message}`);
    process.exitCode = exitCodeOf(err);
  },
);
