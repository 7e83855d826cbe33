// `koji-fleet pin HOST REV` / `koji-fleet pin --remove HOST`: keep a host at the catalog
// compiled from a revision (a new generation) until the pin is removed.
import { FleetError } from "../../shared/errors.js";
import { API } from "../../shared/api/routes.js";
import { API_EXIT_HELP, API_OPTIONS_HELP, apiCall, apiOptions, parseApiArgs } from "../api-client.js";
import { wantsHelp, type Command } from "../command.js";

const usage = `usage: koji-fleet pin HOST REV [--api URL] [--token FILE]
       koji-fleet pin --remove HOST [--api URL] [--token FILE]

Keeps HOST at the catalog compiled from git revision REV (published as a new generation);
pushes do not move it until the pin is removed. --remove: HOST follows the branch head again.

${API_OPTIONS_HELP}

${API_EXIT_HELP}`;

export const pinCommand: Command = {
  name: "pin",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    const { values, positionals } = parseApiArgs(args, { remove: { type: "boolean", default: false } });
    const o = apiOptions(values);
    if (values.remove) {
      if (positionals.length !== 1) throw new FleetError("KF_ERR_USAGE", `expected HOST\n\n${usage}`);
      const host = positionals[0]!;
      await apiCall(o, API.deleteHostsHostPin, { params: { host } });
      console.log(`${host} unpinned: it follows the branch head again`);
      return 0;
    }
    if (positionals.length !== 2) throw new FleetError("KF_ERR_USAGE", `expected HOST REV\n\n${usage}`);
    const [host, rev] = positionals as [string, string];
    const s = await apiCall(o, API.postHostsHostPin, { params: { host }, body: { revision: rev } });
    console.log(`${host} pinned to ${s.hosts[host]?.revision.slice(0, 12) ?? rev}`);
    return 0;
  },
};
