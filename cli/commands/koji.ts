// `koji-fleet koji export`: adopting an existing hub. Reads its content anonymously (every read
// call of Koji 1.35 is: none asserts a login or a permission) and writes it as a file for
// fleet.yaml's koji.content.include, checked as the controller would check it.
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { parseArgs } from "node:util";
import { writeFileAtomic } from "../../shared/atomic-file.js";
import { exitCodeOf, FleetError } from "../../shared/errors.js";
import type { TlsMaterial } from "../../shared/http-request.js";
import { KojiSession } from "../../shared/koji/session.js";
import { formatConfigError } from "../../shared/yaml-config.js";
import { checkContentFile } from "../../controller/config/content-file.js";
import { defaultsApplied } from "../../controller/config/defaults.js";
import { readControllerConfig } from "../../controller/daemon-config.js";
import { farmOf } from "../../controller/compile/farm.js";
import { exportYaml } from "../../controller/koji/content/export-yaml.js";
import { readContent } from "../../controller/koji/content/read.js";
import { loadFleetArg } from "../fleet-file.js";
import { readKojiProfile } from "../koji-profile.js";
import { wantsHelp, type Command } from "../command.js";

const DEFAULT_CONFIG = "/etc/koji-fleet/controller.yaml";

const usage = `usage: koji-fleet koji export [--profile P | --hub URL [--ca FILE] [--cert FILE]]
                              [--fleet DIR|FILE] [--config FILE] [-o FILE]

Reads what a Koji hub holds (tags, inheritance, external repos, targets, build groups, package
lists, users and permissions, channels, content generators, btypes) and writes it as a file for
fleet.yaml's koji.content.include: converging it changes nothing. Only what differs from Koji's
defaults is written, each tag with what is set on it (not what it inherits); Koji's own channels
and btypes, host users and kojira's user are left out (docs/koji-objects.md, "Adopting a hub").
Every read is anonymous: no login, no permission.

The hub:
  --profile P       a koji CLI profile, read as koji reads it (/etc/koji.conf.d/*.conf,
                    /etc/koji.conf, ~/.koji/config.d/*.conf, ~/.koji/config): server, serverca, cert
  --hub URL         the hub's XML-RPC URL, e.g. https://koji.example/kojihub
  --ca FILE         the CA the hub's certificate chains to (default: the system's trust)
  --cert FILE       a client certificate (and its key) for an httpd that asks for one
  neither           the fleet's hub: koji.hubUrl, koji.caFile, koji.adminCertFile of the
                    controller's config (--config, default ${DEFAULT_CONFIG}), or the hub
                    fleet.yaml names (--fleet) when the config sets no hubUrl
  --fleet DIR|FILE  the fleet the export is for: its admin and kojira users (default koji-fleet's
                    defaults, kojiadmin and kojira) are what the export is checked against
  -o FILE           write FILE (atomically, 0644) instead of standard output

Exit 0 written and valid; 1 written, but it does not validate (its errors as file:line:col:
fix them before committing it); 2 usage error; 3 no such profile, or a file cannot be read;
4 the hub cannot be reached; 7 the hub answered something else than Koji 1.35 would.`;

class UsageError extends FleetError {
  constructor(message: string) {
    super("KF_ERR_USAGE", message);
  }
}

interface Hub {
  readonly url: string;
  readonly tls: () => Promise<TlsMaterial>;
  /** For the header: where it was read. */
  readonly source: string;
}

const read = (what: string, file: string) =>
  readFile(file, "utf8").catch((err: Error) => {
    throw new FleetError("KF_ERR_NOT_FOUND", `${what} ${file} is not readable: ${err.message}`, { cause: err });
  });

/** TLS material from files, each optional ("" or undefined: none). */
const tlsFrom = (ca: string | undefined, cert: string | undefined) => async (): Promise<TlsMaterial> => ({
  ...(ca && { ca: await read("CA file", ca) }),
  ...(cert && { cert: await read("client certificate", cert), key: await read("client certificate", cert) }),
});

type Options = { profile?: string; hub?: string; ca?: string; cert?: string; fleet?: string; config?: string; output?: string };

async function hubOf(o: Options, fleetHubUrl: string | null): Promise<Hub> {
  if (o.profile !== undefined && (o.hub ?? o.ca ?? o.cert) !== undefined) throw new UsageError("--profile takes no --hub, --ca or --cert");
  if (o.hub === undefined && (o.ca ?? o.cert) !== undefined) throw new UsageError("--ca and --cert go with --hub");
  if (o.profile !== undefined) {
    const p = await readKojiProfile(o.profile, { etc: "/etc", home: homedir() });
    return { url: p.server, tls: tlsFrom(p.serverca, p.cert), source: `${p.server} (koji profile "${o.profile}")` };
  }
  if (o.hub !== undefined) return { url: o.hub, tls: tlsFrom(o.ca, o.cert), source: o.hub };
  const file = o.config ?? DEFAULT_CONFIG;
  const config = await read("controller config", file).then(() => readControllerConfig(file));
  if (!config.koji) throw new UsageError(`${file} sets no koji section: name the hub with --profile or --hub`);
  const url = config.koji.hubUrl ?? fleetHubUrl;
  if (!url) throw new UsageError(`${file} sets no koji.hubUrl: give --fleet DIR for the hub fleet.yaml names, or --hub`);
  return { url, tls: tlsFrom(config.koji.caFile, config.koji.adminCertFile), source: `${url} (the fleet's hub, ${file})` };
}

async function exportContent(args: string[]): Promise<number> {
  const { values: o, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { profile: { type: "string" }, hub: { type: "string" }, ca: { type: "string" }, cert: { type: "string" }, fleet: { type: "string" }, config: { type: "string" }, output: { type: "string", short: "o" } },
  });
  if (positionals.length !== 1) throw new UsageError("expected: koji-fleet koji export [options]");
  const fleet = o.fleet === undefined ? null : await loadFleetArg(o.fleet);
  if (o.fleet !== undefined && !fleet) return 1;
  const resolved = fleet ? defaultsApplied(fleet.fleet) : null;
  const users = { adminUser: resolved?.koji.adminUser ?? "kojiadmin", kojiraUser: resolved?.koji.kojiraUser ?? "kojira" };
  const hub = await hubOf(o, resolved ? farmOf(resolved).hubUrl : null);
  const observed = await readContent(new KojiSession({ hubUrl: hub.url, credentials: hub.tls }), { tags: "all", users: "all" });
  const text = exportYaml(observed, { kojiraUser: users.kojiraUser, source: hub.source, at: new Date().toISOString() });
  if (o.output === undefined) process.stdout.write(text);
  else await writeFileAtomic(o.output, text, 0o644);
  const errors = checkContentFile(text, o.output ?? "<stdout>", users);
  for (const e of errors) console.error(formatConfigError(e));
  if (errors.length > 0) console.error(`the export does not validate as it is (${errors.length} error(s) above): fix it before adding it to koji.content.include`);
  return errors.length > 0 ? 1 : 0;
}

export const kojiCommand: Command = {
  name: "koji",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    if (args[0] !== "export") return console.error(usage), 2;
    try {
      return await exportContent(args);
    } catch (err) {
      const parseError = err instanceof TypeError && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS");
      console.error(`koji-fleet koji export: ${(err as Error).message}`);
      if (err instanceof UsageError || parseError) return console.error(`\n${usage}`), 2;
      return exitCodeOf(err);
    }
  },
};
