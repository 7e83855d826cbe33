import { parseArgs } from "node:util";
import { createLogger } from "../../shared/log.js";
import type { FleetEvent } from "../../shared/protocol.js";
import { SandboxFleet } from "../up/sandbox-fleet.js";
import { FleetError, exitCodeOf } from "../../shared/errors.js";
import { wantsHelp, type Command } from "../command.js";
import { DEFAULT_API } from "../api-client.js";

const usage = `usage: koji-fleet up [--dir DIR] [--port PORT] [--poll SECONDS] [--verbose]

Runs a whole sandboxed fleet on this machine: a nats-server (production's per-host users and
permissions, generated passwords in DIR/nats/passwords.json), a git repository seeded from
gitops/ (in DIR/gitops, default .koji-fleet/gitops), the controller, and one agent per host
whose files land under DIR/hosts/<host>/. Edit DIR/gitops/fleet.yaml and commit: the agents
converge (a post-commit hook wakes the controller with curl or wget; without them, --poll
SECONDS, default 5, sees the commit). Needs nats-server (apt-get install nats-server / dnf install nats-server).
The dashboard is at the API's address: http://127.0.0.1:PORT/. The controller's config is
written to DIR/controller.yaml at each start, so koji-fleet ca … --config FILE and koji-fleet
token create HOST --config FILE work against the sandbox as in production; the API commands
(status, hosts, events, rollout, pin, rollback) need --api only with another --port.
Ctrl-C or SIGTERM stops everything it started (agents, controller, nats-server), and so does
a failed start: a busy --port (default 8470) exits 12 at once; pick another with --port.
nats-server listens on a free port of its own (in DIR/nats/nats.conf), so it never collides.`;

const colour = process.stdout.isTTY ? (code: number, s: string) => `\x1b[${code}m${s}\x1b[0m` : (_: number, s: string) => s;

function line(e: FleetEvent): string {
  const tone = e.severity === "error" ? 31 : e.severity === "warning" ? 33 : 32;
  return `${e.at.slice(11, 19)}  ${(e.host ?? "fleet").padEnd(14)} ${colour(tone, e.type.padEnd(18))} ${e.message}`;
}

export const upCommand: Command = {
  name: "up",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    const { values } = parseArgs({
      args,
      options: {
        dir: { type: "string", default: ".koji-fleet" },
        port: { type: "string", default: "8470" },
        poll: { type: "string", default: "5" },
        verbose: { type: "boolean", default: false },
      },
    });
    const log = createLogger("koji-fleet-up", { level: values.verbose ? "info" : "silent" });
    const port = Number(values.port);
    const poll = Number(values.poll);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) return console.error(`--port: not a port: ${values.port}`), 2;
    if (!Number.isInteger(poll) || poll < 1) return console.error(`--poll: not a number of seconds: ${values.poll}`), 2;
    // First: a signal during the start must stop what is started, not kill this process and orphan nats-server.
    const stopRequested = firstSignal();
    const fleet = new SandboxFleet({ dir: values.dir!, httpPort: port, pollSeconds: poll, log, onEvent: (e) => console.log(line(e)) });
    console.log("starting nats-server, controller and agents…");
    try {
      await fleet.start(); // stops what it started if it fails
    } catch (err) {
      const portHint = err instanceof FleetError && err.code === "KF_ERR_CONFLICT" ? `; choose another port with --port PORT (e.g. --port ${port + 1})` : "";
      console.error(`koji-fleet up: ${err instanceof FleetError ? `${err.code}: ` : ""}${(err as Error).message}${portHint}`);
      process.exit(exitCodeOf(err)); // nothing of the fleet is left; a stray timer must not keep the process
    }
    // The CLI's API commands default to DEFAULT_API; another port needs --api (or $KOJI_FLEET_API).
    const api = fleet.apiUrl === DEFAULT_API ? "" : ` --api ${fleet.apiUrl}`;
    console.log(`dashboard:  ${fleet.apiUrl}/`);
    console.log(`API:        ${fleet.apiUrl}/api/v1/fleet   ${fleet.apiUrl}/api/v1/hosts`);
    console.log(`desired:    ${fleet.repoDir}/fleet.yaml  (edit, then git commit)`);
    console.log(`host roots: ${values.dir}/hosts/<host>/`);
    console.log(`config:     ${fleet.configFile}  (the controller's, for ca and token: --config)`);
    console.log(`try:        koji-fleet hosts${api}   koji-fleet status${api}   koji-fleet events --follow${api}`);
    console.log(`            koji-fleet token create cs10-koji-05 --config ${fleet.configFile}  (once fleet.yaml has that host)`);
    console.log("Ctrl-C to stop\n");
    await stopRequested;
    console.log("\nstopping…");
    await fleet.stop();
    process.exit(0);
  },
};

/** The first SIGINT or SIGTERM; later ones are ignored while the fleet stops (it takes seconds at most). */
function firstSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => resolve(sig);
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}
