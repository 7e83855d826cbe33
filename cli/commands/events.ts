import { EVENT_TYPES, type FleetEvent } from "../../shared/protocol.js";
import { API } from "../../shared/api/routes.js";
import { FleetError } from "../../shared/errors.js";
import { isHostName } from "../../shared/names.js";
import { oneOf, wantsHelp, type Command } from "../command.js";
import { API_EXIT_HELP, API_OPTIONS_HELP, apiCall, apiOptions, colour, parseApiArgs, printJson, type ApiOptions } from "../api-client.js";

/** `words` joined by ", " in indented lines of at most 90 characters. */
function list(words: readonly string[]): string {
  const lines: string[][] = [[]];
  for (const w of words) {
    const line = lines[lines.length - 1]!;
    if (line.length > 0 && `${line.join(", ")}, ${w},`.length > 86) lines.push([w]);
    else line.push(w);
  }
  return lines.map((l) => `  ${l.join(", ")}`).join(",\n");
}

const usage = `usage: koji-fleet events [--host HOST] [--type TYPE] [--limit N] [--follow] [--api URL] [--token FILE] [--json]

The latest fleet events, oldest first (default 100, at most 500): time, severity, host,
type and message. --host and --type filter them; the types are:
${list(EVENT_TYPES)}
--follow keeps printing new events as they come (it polls the API every second) until
interrupted. --json prints GET /api/v1/events as it is; with --follow, one event object per line.

${API_OPTIONS_HELP}

${API_EXIT_HELP}`;

function line(e: FleetEvent): string {
  const sev = e.severity === "error" ? colour.red("error  ") : e.severity === "warning" ? colour.yellow("warning") : colour.dim("info   ");
  return `${e.at}  ${sev}  ${(e.host ?? "-").padEnd(14)}  ${e.type.padEnd(18)}  ${e.message}`;
}

const query = (host: string | undefined, type: string | undefined, limit: number): URLSearchParams =>
  new URLSearchParams({ ...(host && { host }), ...(type && { type }), limit: String(limit) });

async function follow(o: ApiOptions, q: URLSearchParams, json: boolean, first: FleetEvent[]): Promise<number> {
  const seen = new Set<string>();
  const print = (e: FleetEvent) => console.log(json ? JSON.stringify(e) : line(e));
  for (const e of first) seen.add(e.id), print(e);
  let stop = false;
  let wake: () => void = () => undefined;
  const onSignal = () => {
    stop = true;
    wake();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let warned = false;
  while (!stop) {
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, 1000);
    });
    if (stop) break;
    try {
      const { events } = await apiCall(o, API.getEvents, { query: q });
      warned = false;
      for (const e of events) if (!seen.has(e.id)) seen.add(e.id), print(e);
      if (seen.size > 5000) for (const id of [...seen].slice(0, seen.size - 1000)) seen.delete(id);
    } catch (err) {
      // A controller restart should not end a follow; anything else (401, 400) does.
      if (!(err instanceof FleetError) || err.code !== "KF_ERR_NOT_READY") throw err;
      if (!warned) console.error(`koji-fleet events: ${err.message}; retrying`);
      warned = true;
    }
  }
  return 0;
}

export const eventsCommand: Command = {
  name: "events",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    const { values, positionals } = parseApiArgs(args, {
      host: { type: "string" }, type: { type: "string" }, limit: { type: "string" }, follow: { type: "boolean", short: "f", default: false },
    });
    if (positionals.length > 0) return console.error(usage), 2;
    const limit = values.limit === undefined ? 100 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new FleetError("KF_ERR_USAGE", "--limit must be 1 to 500");
    if (values.type !== undefined) oneOf("event type", values.type, EVENT_TYPES);
    if (values.host !== undefined && !isHostName(values.host)) throw new FleetError("KF_ERR_USAGE", `--host: invalid host name '${values.host}'`);
    const o = apiOptions(values);
    const body = await apiCall(o, API.getEvents, { query: query(values.host, values.type, limit) });
    if (values.follow) return follow(o, query(values.host, values.type, 500), values.json ?? false, body.events);
    if (values.json) return printJson(body), 0;
    for (const e of body.events) console.log(line(e));
    return 0;
  },
};
