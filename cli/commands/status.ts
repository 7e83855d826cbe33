import { API } from "../../shared/api/routes.js";
import type { Fleet } from "../../shared/api/fleet.js";
import type { HostView } from "../../shared/api/hosts.js";
import { ERROR_CODES } from "../../shared/errors.js";
import { wantsHelp, type Command } from "../command.js";
import { heldText } from "../held.js";
import { API_EXIT_HELP, API_OPTIONS_HELP, apiCall, apiOptions, colour, parseApiArgs, phaseText, printJson, short, table } from "../api-client.js";

const usage = `usage: koji-fleet status [--check] [--api URL] [--token FILE] [--json]

The fleet at a glance: the revision in force and whether the newest commit validated, the
last git sync, then one line per host: roles, phase, the revision it should be at (DESIRED:
its pin's, the rollback's, else the revision in force) and the one it is at (APPLIED), the
pin or rollback that holds it (HELD: by whom, since when) and, when it is not Ready, why. --json prints {"fleet": <GET /api/v1/fleet>, "hosts": [HostView…]}.
--check: for scripts and monitoring, the same output, then the exit code says whether the
fleet is right: 1 (KF_ERR_CONFIG_INVALID) when the newest commit was rejected, else 7
(KF_ERR_RESOURCE) when a host is Failed, else 0; the reason goes to stderr.

${API_OPTIONS_HELP}

${API_EXIT_HELP}`;

/** `status --check`'s verdict (pure): the exit code and why, or null when the fleet is right. */
export function checkVerdict(fleet: Pick<Fleet, "revision" | "validation">, hosts: readonly Pick<HostView, "host" | "phase">[]): { exit: number; reason: string } | null {
  if (fleet.validation.state === "invalid") {
    return { exit: ERROR_CODES.KF_ERR_CONFIG_INVALID.exit, reason: `the newest commit ${short(fleet.validation.revision?.sha)} was rejected; ${short(fleet.revision?.sha)} stays in force` };
  }
  const failed = hosts.filter((h) => h.phase === "Failed").map((h) => h.host);
  if (failed.length > 0) return { exit: ERROR_CODES.KF_ERR_RESOURCE.exit, reason: `${failed.length} host(s) failed: ${failed.join(", ")}` };
  return null;
}

export const statusCommand: Command = {
  name: "status",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    const { values, positionals } = parseApiArgs(args, { check: { type: "boolean", default: false } });
    if (positionals.length > 0) return console.error(usage), 2;
    const o = apiOptions(values);
    const [fleet, { hosts }] = await Promise.all([apiCall(o, API.getFleet), apiCall(o, API.getHosts)]);
    const check = values.check ? checkVerdict(fleet, hosts) : null;
    if (check) console.error(`koji-fleet status: ${check.reason}`);
    const verdict = check?.exit ?? 0;
    if (values.json) return printJson({ fleet, hosts }), verdict;
    const r = fleet.revision;
    console.log(`revision:   ${r ? `${short(r.sha)} ${r.message} (${r.author}, ${r.date})` : "none accepted yet"}`);
    const v = fleet.validation;
    console.log(`validation: ${v.state === "invalid" ? colour.red(`invalid: ${short(v.revision?.sha)} was rejected`) : v.state === "valid" ? colour.green("valid") : v.state}`);
    for (const e of v.state === "invalid" ? v.errors : []) console.log(`  ${e.text ?? JSON.stringify(e)}`);
    console.log(`git:        ${fleet.git.at ? `synced ${fleet.git.at}, head ${short(fleet.git.head)}` : "not synced yet"}${fleet.git.error ? colour.red(` (last sync failed: ${fleet.git.error})`) : ""}`);
    const c = fleet.hosts;
    console.log(`hosts:      ${c.total ?? hosts.length} total, ${c.ready ?? 0} ready, ${c.progressing ?? 0} progressing, ${c.blocked ?? 0} blocked, ${c.failed ?? 0} failed, ${c.unknown ?? 0} unknown`);
    console.log("");
    console.log(table(["HOST", "ROLES", "PHASE", "DESIRED", "APPLIED", "HELD", "REASON"], hosts.map((h) => {
      const ready = h.conditions[0];
      const reason = h.phase === "Ready" || !ready ? "" : `${ready.reason}: ${ready.message}`;
      return [h.host, h.roles.join(",") || "-", phaseText(h.phase), short(h.desiredRevision), short(h.revision), heldText(h.held), reason];
    })));
    return verdict;
  },
};
