import { parseArgs } from "node:util";
import { createLogger } from "../../shared/log.js";
import { readAgentConfig } from "../../agent/config.js";
import { Agent } from "../../agent/agent.js";
import { untilSignal } from "../signals.js";
import { wantsHelp, type Command } from "../command.js";

const usage = `usage: koji-fleet agent --config FILE

Runs the agent for one host: watches its catalog on NATS, converges it, probes health and
reports status. Default config: /etc/koji-fleet/agent.yaml. SIGTERM finishes the resource
being applied, reports, and exits 0.`;

export const agentCommand: Command = {
  name: "agent",
  summary: "run the agent daemon for one host",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    const { values } = parseArgs({ args, options: { config: { type: "string", default: "/etc/koji-fleet/agent.yaml" } } });
    const config = readAgentConfig(values.config!);
    const log = createLogger("koji-fleet-agent", { level: config.logLevel });
    const agent = new Agent(config, { log });
    const running = agent.run();
    await Promise.race([untilSignal(), running]);
    agent.stop();
    await running;
    // A NATS connect that never succeeded keeps retrying; nothing is left to do.
    process.exit(0);
  },
};
