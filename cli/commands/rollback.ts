// `koji-fleet rollback REV`: every host back to the catalog compiled from REV until a newer
// commit lands on the branch (then normal reconciliation resumes); `--cancel` ends it sooner.
import { FleetError } from "../../shared/errors.js";
import { API } from "../../shared/api/routes.js";
import { API_EXIT_HELP, API_OPTIONS_HELP, apiCall, apiOptions, parseApiArgs } from "../api-client.js";
import { wantsHelp, type Command } from "../command.js";

const usage = `usage: koji-fleet rollback REV [--api URL] [--token FILE]
       koji-fleet rollback --cancel [--api URL] [--token FILE]

Publishes, for every host, the catalog compiled from git revision REV as a new generation.
Continuous reconciliation keeps the fleet there until a newer commit lands on the branch.
--cancel: ends the rollback now; hosts not pinned follow the revision in force again (exit 3
when no rollback is in force). \`koji-fleet pins\` shows the rollback and the pins.

${API_OPTIONS_HELP}

${API_EXIT_HELP}`;

export const rollbackCommand: Command = {
  name: "rollback",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    const { values, positionals } = parseApiArgs(args, { cancel: { type: "boolean", default: false } });
    if (values.cancel) {
      if (positionals.length !== 0) throw new FleetError("KF_ERR_USAGE", `--cancel takes no REV\n\n${usage}`);
      await apiCall(apiOptions(values), API.deleteRollback);
      console.log("rollback cancelled: hosts not pinned follow the revision in force again");
      return 0;
    }
    if (positionals.length !== 1) throw new FleetError("KF_ERR_USAGE", `expected REV\n\n${usage}`);
    const s = await apiCall(apiOptions(values), API.postRollback, { body: { revision: positionals[0] } });
    console.log(`fleet rolled back to ${s.rollback?.revision.slice(0, 12)} until a commit newer than ${s.rollback?.atHead.slice(0, 12)} lands`);
    return 0;
  },
};
