import { parseArgs } from "node:util";
import { isHostName } from "../../shared/names.js";
import { readControllerConfig } from "../../controller/daemon-config.js";
import { TokenStore, tokenFile } from "../../controller/ca/tokens.js";
import { wantsHelp, type Command } from "../command.js";

const usage = `usage: koji-fleet token create HOST [--ttl SECONDS] [--config FILE]

Prints a one-time enrollment token for HOST, valid for --ttl seconds (default 86400).
Give it to the host's agent (enrollment.tokenFile in its agent.yaml, e.g. through
cloud-init or OpenTofu user-data). The controller accepts it once, only for HOST, and only
while HOST is in the fleet's git configuration. Run it on the controller host: it writes
the token's hash into the controller's state directory (--config, default
/etc/koji-fleet/controller.yaml).`;

export const tokenCommand: Command = {
  name: "token",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { ttl: { type: "string", default: "86400" }, config: { type: "string", default: "/etc/koji-fleet/controller.yaml" } },
    });
    const [verb, host] = positionals;
    const ttl = Number(values.ttl);
    if (verb !== "create" || !host || positionals.length !== 2) return console.error(usage), 2;
    if (!isHostName(host)) return console.error(`koji-fleet token: invalid host name '${host}'`), 2;
    if (!Number.isInteger(ttl) || ttl < 60 || ttl > 30 * 86_400) return console.error("koji-fleet token: --ttl must be 60 to 2592000 seconds"), 2;
    const config = readControllerConfig(values.config!);
    console.log(await new TokenStore(tokenFile(config.stateDir)).create(host, ttl));
    return 0;
  },
};
