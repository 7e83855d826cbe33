// `koji-fleet pins`: the pinned hosts and the fleet-wide rollback, with who set each and when.
import { FleetError } from "../../shared/errors.js";
import { API } from "../../shared/api/routes.js";
import type { Pins } from "../../shared/api/rollouts.js";
import { API_EXIT_HELP, API_OPTIONS_HELP, apiCall, apiOptions, parseApiArgs, printJson, short, table } from "../api-client.js";
import { wantsHelp, type Command } from "../command.js";

const usage = `usage: koji-fleet pins [--api URL] [--token FILE] [--json]

Lists the pinned hosts (HOST, the REVISION it is kept at, BY whom, SINCE when), then the
fleet-wide rollback, if one is in force, with the commit whose successor ends it.
--json prints GET /api/v1/pins as it is. Set with \`pin\` and \`rollback\`; ended with
\`pin --remove HOST\` and \`rollback --cancel\`.

${API_OPTIONS_HELP}

${API_EXIT_HELP}`;

/** The listing (pure). */
export function pinsText(p: Pins): string {
  const rows = Object.entries(p.hosts).sort(([a], [b]) => a.localeCompare(b)).map(([host, pin]) => [host, short(pin.revision), pin.by, pin.since]);
  const r = p.rollback;
  return [
    rows.length > 0 ? table(["HOST", "REVISION", "BY", "SINCE"], rows) : "no host is pinned",
    "",
    r ? `rollback: every host not pinned is kept at ${short(r.revision)} by ${r.by} since ${r.since}, until a commit newer than ${short(r.atHead)} is accepted (rollback --cancel ends it)` : "rollback: none",
  ].join("\n");
}

export const pinsCommand: Command = {
  name: "pins",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    const { values, positionals } = parseApiArgs(args, {});
    if (positionals.length > 0) throw new FleetError("KF_ERR_USAGE", `unexpected argument '${positionals[0]}'\n\n${usage}`);
    const p = await apiCall(apiOptions(values), API.getPins);
    if (values.json) return printJson(p), 0;
    console.log(pinsText(p));
    return 0;
  },
};
