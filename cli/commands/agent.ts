import { parseArgs } from "node:util";
import { readAgentConfig, type AgentConfig } from "../../agent/config.js";
import { Agent } from "../../agent/agent.js";
import { SdNotify } from "../../agent/sd-notify.js";
import { runDaemon, type DaemonSpec } from "../daemon.js";
import { wantsHelp, type Command } from "../command.js";

const usage = `usage: koji-fleet agent --config FILE

Runs the agent for one host: watches its catalog on NATS, converges it, probes health and
reports status. Default config: /etc/koji-fleet/agent.yaml. Under systemd (Type=notify) it
reports READY once connected, its status line, and watchdog pings while healthy.
SIGTERM finishes the resource being applied, reports, and exits 0. SIGHUP re-reads the
config file and restarts the agent in place if it changed (an invalid file is refused).`;

const agentDaemon: DaemonSpec<AgentConfig> = {
  name: "koji-fleet-agent",
  read: readAgentConfig,
  logLevel: (c) => c.logLevel,
  start(config, log) {
    const agent = new Agent(config, { log });
    const done = agent.run();
    return {
      ready: agent.ready,
      done,
      healthy: () => agent.healthy(),
      summary: () => agent.summary(),
      stop: () => (agent.stop(), done),
    };
  },
};

export const agentCommand: Command = {
  name: "agent",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    // First, before anything spawns: hides NOTIFY_SOCKET from dnf, git and scriptlets.
    const notify = new SdNotify();
    const { values } = parseArgs({ args, options: { config: { type: "string", default: "/etc/koji-fleet/agent.yaml" } } });
    const code = await runDaemon(agentDaemon, values.config!, { notify });
    // A NATS connect that never succeeded keeps retrying and would hold the process open.
    process.exit(code);
  },
};
