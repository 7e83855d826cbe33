import { parseArgs } from "node:util";
import { createLogger } from "../../shared/log.js";
import { readControllerConfig } from "../../controller/config.js";
import { Controller } from "../../controller/controller.js";
import { untilSignal } from "../signals.js";
import { wantsHelp, type Command } from "../command.js";

const usage = `usage: koji-fleet controller --config FILE

Runs the controller: watches the desired-state git repository (poll + POST /hooks/git),
validates and compiles it, publishes one catalog per host to NATS, serves the API.
Default config: /etc/koji-fleet/controller.yaml. SIGTERM/SIGINT stop it cleanly.`;

export const controllerCommand: Command = {
  name: "controller",
  summary: "run the controller daemon",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    const { values } = parseArgs({ args, options: { config: { type: "string", default: "/etc/koji-fleet/controller.yaml" } } });
    const config = readControllerConfig(values.config!);
    const log = createLogger("koji-fleet-controller", { level: config.logLevel });
    const controller = new Controller(config, { log });
    const url = await controller.start();
    log.info({ url }, "controller running");
    await untilSignal();
    await controller.stop();
    return 0;
  },
};
