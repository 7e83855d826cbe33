import { loadFleetArg } from "../fleet-file.js";
import { compileFleet } from "../../controller/compile/compile.js";
import { wantsHelp, type Command } from "../command.js";

const usage = `usage: koji-fleet validate DIR|FILE

Checks a desired-state repository offline: YAML syntax, the fleet.yaml schema and
cross-references (roles, duplicate hosts, …). Errors are printed as file:line:col: message.
Exit 0 when valid, 1 when invalid, 2 on a usage error.`;

export const validateCommand: Command = {
  name: "validate",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    if (args.length !== 1) return console.error(usage), 2;
    const target = args[0]!;
    const loaded = await loadFleetArg(target);
    if (!loaded) return 1;
    const catalogs = compileFleet(loaded.fleet);
    const resources = catalogs.reduce((n, c) => n + c.resources.length, 0);
    console.log(`${loaded.file}: valid: ${catalogs.length} host(s), ${resources} resource(s)`);
    return 0;
  },
};
