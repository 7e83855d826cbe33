import { API } from "../../shared/api/routes.js";
import { wantsHelp, type Command } from "../command.js";
import { API_EXIT_HELP, API_OPTIONS_HELP, apiCall, apiOptions, colour, parseApiArgs, phaseText, printJson, short, table } from "../api-client.js";

const usage = `usage: koji-fleet status [--api URL] [--token FILE] [--json]

The fleet at a glance: the revision in force and whether the newest commit validated, the
last git sync, then one line per host: roles, phase, the revision it is at and, when it is
not Ready, why. --json prints {"fleet": <GET /api/v1/fleet>, "hosts": [HostView…]}.

${API_OPTIONS_HELP}

${API_EXIT_HELP}`;

export const statusCommand: Command = {
  name: "status",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    const { values, positionals } = parseApiArgs(args, {});
    if (positionals.length > 0) return console.error(usage), 2;
    const o = apiOptions(values);
    const [fleet, { hosts }] = await Promise.all([apiCall(o, API.getFleet), apiCall(o, API.getHosts)]);
    if (values.json) return printJson({ fleet, hosts }), 0;
    const r = fleet.revision;
    console.log(`revision:   ${r ? `${short(r.sha)} ${r.message} (${r.author}, ${r.date})` : "none accepted yet"}`);
    const v = fleet.validation;
    console.log(`validation: ${v.state === "invalid" ? colour.red(`invalid: ${short(v.revision?.sha)} was rejected`) : v.state === "valid" ? colour.green("valid") : v.state}`);
    for (const e of v.state === "invalid" ? v.errors : []) console.log(`  ${e.text ?? JSON.stringify(e)}`);
    console.log(`git:        ${fleet.git.at ? `synced ${fleet.git.at}, head ${short(fleet.git.head)}` : "not synced yet"}${fleet.git.error ? colour.red(` (last sync failed: ${fleet.git.error})`) : ""}`);
    const c = fleet.hosts;
    console.log(`hosts:      ${c.total ?? hosts.length} total, ${c.ready ?? 0} ready, ${c.progressing ?? 0} progressing, ${c.blocked ?? 0} blocked, ${c.failed ?? 0} failed, ${c.unknown ?? 0} unknown`);
    console.log("");
    console.log(table(["HOST", "ROLES", "PHASE", "REVISION", "REASON"], hosts.map((h) => {
      const ready = h.conditions[0];
      const reason = h.phase === "Ready" || !ready ? "" : `${ready.reason}: ${ready.message}`;
      return [h.host, h.roles.join(",") || "-", phaseText(h.phase), short(h.revision), reason];
    })));
    return 0;
  },
};
