import { isHostName } from "../../shared/names.js";
import { FleetError } from "../../shared/errors.js";
import { API } from "../../shared/api/routes.js";
import { readControllerConfig, type ControllerConfig } from "../../controller/daemon-config.js";
import { TokenStore, tokenFile } from "../../controller/ca/tokens.js";
import { API_OPTIONS_HELP, DEFAULT_TOKEN_FILE, apiCall, apiOptions, parseApiArgs } from "../api-client.js";
import { oneOf, wantsHelp, type Command } from "../command.js";

const usage = `usage: koji-fleet token create HOST [--ttl SECONDS] [--config FILE] [--api URL] [--token FILE]

Prints a one-time enrollment token for HOST, valid for --ttl seconds (default 86400).
Give it to the host's agent (enrollment.tokenFile in its agent.yaml, e.g. through
cloud-init or OpenTofu user-data). The controller accepts it once, only for HOST, and only
while HOST is in the fleet's git configuration. Run it on the controller host: it writes
the token's hash into the controller's state directory (--config, default
/etc/koji-fleet/controller.yaml).

HOST must be in the fleet: the running controller is asked (GET /api/v1/hosts/HOST) at
--api, by default the address controller.yaml gives (http.host, http.port), with the first
token of http.apiTokensFile. A host not in the fleet exits 3: add it to fleet.yaml and push
first. A controller that cannot be reached exits 4, one that cannot reach NATS 6.

${API_OPTIONS_HELP.replace(/\n\s+--json.*$/, "")}

exit codes: 0 ok, 1 controller.yaml missing or invalid, 2 usage, 3 HOST not in the fleet,
  4 controller not reachable, 6 the controller cannot reach NATS, 9 no valid credentials
  (docs/errors.md).`;

/** The API as controller.yaml serves it, reached from this host. */
function controllerApi(config: ControllerConfig): string {
  const host = config.http.host;
  const local = host === "0.0.0.0" || host === "" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `${config.http.tls ? "https" : "http"}://${local}:${config.http.port}`;
}

export const tokenCommand: Command = {
  name: "token",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    const { values, positionals } = parseApiArgs(args, { ttl: { type: "string", default: "86400" }, config: { type: "string", default: "/etc/koji-fleet/controller.yaml" } });
    const [verb, host] = positionals;
    if (!verb) return console.error(usage), 2;
    oneOf("subcommand", verb, ["create"], usage);
    if (!host || positionals.length !== 2) return console.error(usage), 2;
    const ttl = Number(values.ttl);
    if (!isHostName(host)) return console.error(`koji-fleet token: invalid host name '${host}'`), 2;
    const config = readControllerConfig(values.config!);
    console.log(await createEnrollmentToken(config, host, ttl, { api: values.api, token: values.token }));
    return 0;
  },
};

/**
 * A one-time token for HOST, once the running controller confirms HOST is in the fleet: what
 * `token create` prints and `cloud-init` puts in the user-data.
 */
export async function createEnrollmentToken(config: ControllerConfig, host: string, ttl: number, flags: { api?: string; token?: string }): Promise<string> {
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > 30 * 86_400) throw new FleetError("KF_ERR_USAGE", "--ttl must be 60 to 2592000 seconds");
  const api = apiOptions({ api: flags.api ?? (process.env.KOJI_FLEET_API || controllerApi(config)), token: flags.token }, config.http.apiTokensFile ?? DEFAULT_TOKEN_FILE);
  try {
    await apiCall(api, API.getHostsHost, { params: { host } });
  } catch (err) {
    if (!(err instanceof FleetError)) throw err;
    if (err.code === "KF_ERR_NOT_FOUND") throw new FleetError(err.code, `${host} is not in the fleet (${api.api}): add it to fleet.yaml and push, then create its token once \`koji-fleet hosts\` lists it`);
    throw new FleetError(err.code, `cannot check that ${host} is in the fleet: ${err.message}`);
  }
  return new TokenStore(tokenFile(config.stateDir)).create(host, ttl);
}
