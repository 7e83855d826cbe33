import type { HostDetail } from "../../shared/api/hosts.js";
import { API } from "../../shared/api/routes.js";
import { isHostName } from "../../shared/names.js";
import { FleetError } from "../../shared/errors.js";
import { wantsHelp, type Command } from "../command.js";
import { heldText } from "../held.js";
import { API_EXIT_HELP, API_OPTIONS_HELP, apiCall, apiOptions, colour, parseApiArgs, phaseText, printJson, short, table } from "../api-client.js";

const usage = `usage: koji-fleet hosts [HOST] [--api URL] [--token FILE] [--json]

Without HOST: every host with its roles, phase, the revision it should be at (DESIRED) and
the one it is at (APPLIED), the pin or rollback that holds it (HELD: by whom, since when),
agent version and last heartbeat.
With HOST: that host's detail: the same revisions and hold, conditions, desired and applied
catalog (the commit each was compiled from: a host whose content did not change keeps an
older one), resource counts, failing resources with their errors and failing probes with
their output.
--json prints GET /api/v1/hosts (or /api/v1/hosts/HOST) as it is.

${API_OPTIONS_HELP}

${API_EXIT_HELP}`;

function detail(h: HostDetail): string {
  const out: string[] = [];
  const ready = h.conditions[0];
  out.push(`host:      ${h.host}`, `roles:     ${h.roles.join(", ") || "-"}`, `phase:     ${phaseText(h.phase)}${ready && h.phase !== "Ready" ? ` (${ready.reason}: ${ready.message}, since ${ready.lastTransitionTime})` : ""}`);
  out.push(`revision:  desired ${short(h.desiredRevision)}, applied ${short(h.revision)}`);
  out.push(`held:      ${heldText(h.held)}`);
  out.push(`desired:   ${h.desired ? `catalog generation ${h.desired.generation} (compiled from ${short(h.desired.revision)}), issued ${h.desired.issuedAt}` : "-"}`);
  out.push(`applied:   ${h.applied ? `catalog generation ${h.applied.generation} (compiled from ${short(h.applied.revision)})` : "-"}`);
  out.push(`agent:     ${h.agentVersion ?? "-"}, last seen ${h.lastSeen ?? "never"}`);
  out.push(`resources: ${h.resources.total} total, ${h.resources.changed} changed, ${h.resources.failed} failed, ${h.resources.wouldChange} would change`);
  out.push("", "conditions:");
  for (const c of h.conditions) out.push(`  ${c.type} ${c.status === "True" ? colour.green(c.status) : c.status === "False" ? colour.red(c.status) : c.status} ${c.reason}${c.message ? `: ${c.message}` : ""} (since ${c.lastTransitionTime})`);
  if (h.failing.resources.length > 0) {
    out.push("", "failing resources:");
    for (const r of h.failing.resources) out.push(`  ${colour.red(r.id)}: ${r.error}`);
  }
  if (h.failing.probes.length > 0) {
    out.push("", "failing probes:");
    for (const p of h.failing.probes) out.push(`  ${colour.red(p.id)} (since ${p.since}): ${p.output.trim()}`);
  }
  if (h.failing.resources.length === 0 && h.failing.probes.length === 0) out.push("", `no failing resources or probes (${h.probes.length} probe(s))`);
  return out.join("\n");
}

export const hostsCommand: Command = {
  name: "hosts",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    const { values, positionals } = parseApiArgs(args, {});
    if (positionals.length > 1) return console.error(usage), 2;
    const o = apiOptions(values);
    const host = positionals[0];
    if (host !== undefined) {
      if (!isHostName(host)) throw new FleetError("KF_ERR_USAGE", `invalid host name '${host}'`);
      const h = await apiCall(o, API.getHostsHost, { params: { host } });
      if (values.json) return printJson(h), 0;
      console.log(detail(h));
      return 0;
    }
    const body = await apiCall(o, API.getHosts);
    if (values.json) return printJson(body), 0;
    console.log(table(["HOST", "ROLES", "PHASE", "DESIRED", "APPLIED", "HELD", "AGENT", "LAST SEEN"], body.hosts.map((h) => [
      h.host, h.roles.join(",") || "-", phaseText(h.phase), short(h.desiredRevision), short(h.revision), heldText(h.held), h.agentVersion ?? "-", h.lastSeen ?? "never",
    ])));
    return 0;
  },
};
