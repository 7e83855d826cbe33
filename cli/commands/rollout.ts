import type { RolloutView } from "../../shared/api/rollouts.js";
import { API } from "../../shared/api/routes.js";
import { durationText } from "../../shared/time.js";
import { oneOf, wantsHelp, type Command } from "../command.js";
import { heldText } from "../held.js";
import { API_EXIT_HELP, API_OPTIONS_HELP, apiCall, apiOptions, colour, parseApiArgs, phaseText, printJson, short, table } from "../api-client.js";

const usage = `usage: koji-fleet rollout status|resume|abort [--api URL] [--token FILE] [--json]

  status   the current rollout: revision, phase, when it started and (once complete)
           how long it took, why it halted, and each host's state
           (published, waiting and for whom, or not yet) and the revision its catalog was
           compiled from (a pinned or rolled-back host's is its pin's or the rollback's)
  resume   continue a Halted rollout past the host that failed (needs an admin token
           unless the controller allows unauthenticated writes from loopback)
  abort    stop the current rollout; hosts not published yet keep their current catalog

--json prints the API's answer as it is (GET /api/v1/rollouts/current; {"phase"} for
resume and abort). No rollout since the controller started: exit 3. Resuming a rollout that
is not Halted, or aborting one that is over: exit 12 (KF_ERR_CONFLICT).

${API_OPTIONS_HELP}

${API_EXIT_HELP}`;

function describe(r: RolloutView): string {
  const out = [
    `revision:  ${short(r.revision)}`,
    `phase:     ${phaseText(r.phase)}`,
    `started:   ${r.startedAt}`,
  ];
  if (r.completedAt) out.push(`completed: ${r.completedAt} (in ${durationText(Date.parse(r.completedAt) - Date.parse(r.startedAt))})`);
  if (r.halt) out.push(`halted:    ${colour.red(r.halt.message)} (since ${r.halt.since})`, "           fix the host, then `koji-fleet rollout resume`, or `koji-fleet rollout abort`");
  if (r.excused.length > 0) out.push(`excused:   ${r.excused.join(", ")}`);
  out.push("");
  out.push(table(["HOST", "REVISION", "HELD", "STATE", "SINCE", "DETAIL"], r.targets.map((t) => {
    const published = r.published[t.host];
    const waiting = r.waiting[t.host];
    const head = [t.host, short(t.revision), t.held ? colour.yellow(heldText(t.held)) : "-"];
    if (published) return [...head, "published", published, t.batched ? "builder batch" : ""];
    if (waiting) return [...head, colour.yellow("waiting"), waiting.since, waiting.message];
    return [...head, colour.dim("pending"), "-", ""];
  })));
  return out.join("\n");
}

export const rolloutCommand: Command = {
  name: "rollout",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    const { values, positionals } = parseApiArgs(args, {});
    const [verb, ...extra] = positionals;
    if (!verb || extra.length > 0) return console.error(usage), 2;
    oneOf("subcommand", verb, ["status", "resume", "abort"], usage);
    const o = apiOptions(values);
    if (verb === "status") {
      const r = await apiCall(o, API.getRolloutsCurrent);
      if (values.json) return printJson(r), 0;
      console.log(describe(r));
      return 0;
    }
    const r = await apiCall(o, verb === "resume" ? API.postRolloutsCurrentResume : API.postRolloutsCurrentAbort);
    if (values.json) return printJson(r), 0;
    console.log(`rollout ${verb === "resume" ? "resumed" : "aborted"}: now ${phaseText(r.phase)}`);
    return 0;
  },
};
