import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadFleetArg } from "../fleet-file.js";
import { passwords } from "../nats-passwords.js";
import { renderNatsConfig, type Address, type NatsConfigInput } from "../../controller/nats/server-config.js";
import { AGENT_DN_SUFFIX } from "../../shared/names.js";
import { wantsHelp, type Command } from "../command.js";

const TLS_DEFAULTS = { controller: "CN=controller,OU=controller,O=koji-fleet", enrollment: "CN=enroll,OU=enrollment,O=koji-fleet" };
const PASSWORD_DEFAULTS = { controller: "controller", enrollment: "enroll" };
/** The route secret's key in the passwords file: not a valid host or user name, so it cannot clash. */
const ROUTE_SECRET_KEY = "$cluster-route";

const usage = `usage: koji-fleet nats-config --fleet DIR|FILE [options]

Prints the nats-server configuration of the fleet: one FLEET account with JetStream, the
controller (full access), the enrollment user (kf.enroll only) and one user per host of
fleet.yaml, each agent confined to its own keys and subjects. See docs/nats.md.

Production, mTLS (the client certificate is the identity; no secret in the file):
  --tls-cert FILE --tls-key FILE --tls-ca FILE
                          server certificate, its key and the fleet CA (all three or none)
  --controller-user DN    default ${TLS_DEFAULTS.controller}
  --enrollment-user DN    default ${TLS_DEFAULTS.enrollment}
  Agents are CN=<host>,${AGENT_DN_SUFFIX}.

Tests and sandboxes only, without --tls-*: users with passwords
  --passwords-file FILE   required: JSON {"<user>": "<password>"}; passwords missing from it
                          are generated and the file is rewritten with mode 0600
  --controller-user NAME  default ${PASSWORD_DEFAULTS.controller}
  --enrollment-user NAME  default ${PASSWORD_DEFAULTS.enrollment}
  Agents are the bare host names.

Both:
  --revoke HOST           (repeatable) no user for HOST: it can no longer connect
  --listen HOST:PORT      client listen address (default: nats-server's, or its -a/-p flags)
  --store-dir DIR         required: JetStream store directory, written into the file. Start
                          nats-server with -c FILE only: with -js/-sd flags a reload shuts
                          JetStream down (or is refused) on nats-server 2.9.
  --out FILE              write the config there (mode 0640: chgrp it to nats-server's group)

A cluster (JetStream replicated over 3 or 5 servers; see docs/scaling.md):
  --cluster NAME          one config per member instead of one config
  --node NAME=HOST:PORT:ROUTE_PORT
                          (repeatable, 3 or more) a member: its server_name, client address
                          and route address
  --out-dir DIR           required: writes DIR/<NAME>.conf per member (mode 0640)
  --passwords-file FILE   required, with or without TLS: it keeps the members' shared route
                          secret ("${ROUTE_SECRET_KEY}"), generated on first use
  --store-dir DIR         may contain {node}, replaced by the member's name
  Then set jetstream.replicas: 3 in controller.yaml and list every member in nats.servers.

Apply a new config without a restart: nats-server --signal reload (systemctl reload nats-server).
Exit 0 ok, 1 invalid fleet.yaml, 2 usage error.`;

export const natsConfigCommand: Command = {
  name: "nats-config",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    let v: ReturnType<typeof parse>;
    try {
      v = parse(args);
    } catch (err) {
      return console.error(`${(err as Error).message}\n\n${usage}`), 2;
    }
    const loaded = await loadFleetArg(v.fleet);
    if (!loaded) return 1;
    const { fleet, file } = loaded;
    const hosts = fleet.hosts.map((h) => h.name);
    const revokedHosts = v.revoke ?? [];
    const unknown = revokedHosts.filter((h) => !hosts.includes(h));
    if (unknown.length > 0) console.error(`koji-fleet nats-config: warning: --revoke of hosts not in ${file}: ${unknown.join(", ")}`);

    const tlsFlags = [v["tls-cert"], v["tls-key"], v["tls-ca"]];
    const tls = tlsFlags.every(Boolean);
    if (!tls && tlsFlags.some(Boolean)) return console.error("--tls-cert, --tls-key and --tls-ca go together\n\n" + usage), 2;
    if (!tls && !v["passwords-file"]) return console.error("without --tls-* a --passwords-file is required\n\n" + usage), 2;
    if (v.cluster && !v["passwords-file"]) return console.error("--cluster needs --passwords-file: it keeps the route secret\n\n" + usage), 2;
    const defaults = tls ? TLS_DEFAULTS : PASSWORD_DEFAULTS;
    const input: NatsConfigInput = {
      hosts,
      revokedHosts,
      controller: { user: v["controller-user"] ?? defaults.controller },
      enrollment: { user: v["enrollment-user"] ?? defaults.enrollment },
      ...(v.listenAt ? { listen: v.listenAt } : {}),
      jetstreamStoreDir: v.storeDir,
    };
    if (!tls) console.error("koji-fleet nats-config: warning: password authentication is for tests and sandboxes only; use --tls-* in production");
    const live = hosts.filter((h) => !revokedHosts.includes(h));
    const users = tls ? [] : [input.controller.user, input.enrollment!.user, ...live];
    let pw: Record<string, string> = {};
    try {
      if (v["passwords-file"] && (users.length > 0 || v.cluster)) pw = await passwords(v["passwords-file"], v.cluster ? [...users, ROUTE_SECRET_KEY] : users);
    } catch (err) {
      return console.error(`koji-fleet nats-config: ${(err as Error).message}`), 1;
    }
    if (tls) {
      input.tls = { certFile: v["tls-cert"]!, keyFile: v["tls-key"]!, caFile: v["tls-ca"]! };
    } else {
      input.controller.password = pw[input.controller.user];
      input.enrollment!.password = pw[input.enrollment!.user];
      input.hostPasswords = Object.fromEntries(live.map((h) => [h, pw[h]!]));
    }

    const files = new Map<string, string>();
    try {
      if (!v.cluster) files.set(v.out ?? "-", renderNatsConfig(input));
      for (const node of v.nodes) {
        const member: NatsConfigInput = {
          ...input,
          listen: node.client,
          jetstreamStoreDir: v.storeDir.replaceAll("{node}", node.name),
          cluster: { name: v.cluster!, serverName: node.name, listen: node.route, routes: v.nodes.map((n) => n.route), routePassword: pw[ROUTE_SECRET_KEY]! },
        };
        files.set(join(v.outDir!, `${node.name}.conf`), renderNatsConfig(member));
      }
    } catch (err) {
      return console.error(`koji-fleet nats-config: ${(err as Error).message}`), 2;
    }
    if (files.has("-")) return process.stdout.write(files.get("-")!), 0;
    if (v.outDir) await mkdir(v.outDir, { recursive: true });
    for (const [file, text] of files) {
      await writeFile(file, text, { mode: 0o640 });
      await chmod(file, 0o640); // mode only applies when the file is created
    }
    console.error(`wrote ${[...files.keys()].join(", ")}: ${live.length} agent user(s); apply with: nats-server --signal reload`);
    return 0;
  },
};

function parse(args: string[]) {
  const str = { type: "string" } as const;
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      fleet: str, "tls-cert": str, "tls-key": str, "tls-ca": str, "controller-user": str, "enrollment-user": str,
      "passwords-file": str, revoke: { type: "string", multiple: true }, listen: str, "store-dir": str, out: str,
      cluster: str, node: { type: "string", multiple: true }, "out-dir": str,
    },
  });
  if (!values.fleet) throw new Error("--fleet is required");
  if (!values["store-dir"]) throw new Error("--store-dir is required");
  const nodes = (values.node ?? []).map(parseNode);
  if (values.cluster !== undefined) {
    if (nodes.length < 3) throw new Error("--cluster needs at least 3 --node members");
    if (!values["out-dir"]) throw new Error("--cluster writes one file per member: --out-dir is required");
    if (values.listen || values.out) throw new Error("with --cluster each member's address comes from --node: no --listen or --out");
    const names = nodes.map((n) => n.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new Error(`--node ${dup} given twice`);
  } else if (nodes.length > 0 || values["out-dir"]) {
    throw new Error("--node and --out-dir go with --cluster");
  }
  return { ...values, fleet: values.fleet, storeDir: values["store-dir"], nodes, outDir: values["out-dir"], listenAt: values.listen ? parseAddress(values.listen, "--listen wants HOST:PORT") : undefined };
}

function parseAddress(s: string, what: string): Address {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(s);
  if (!m || Number(m[2]) > 65_535 || Number(m[2]) === 0) throw new Error(`${what}, got ${JSON.stringify(s)}`);
  return { host: m[1]!, port: Number(m[2]) };
}

/** NAME=HOST:PORT:ROUTE_PORT */
function parseNode(s: string): { name: string; client: Address; route: Address } {
  const m = /^([A-Za-z0-9_-]+)=(.+):(\d{1,5})$/.exec(s);
  const what = "--node wants NAME=HOST:PORT:ROUTE_PORT";
  if (!m) throw new Error(`${what}, got ${JSON.stringify(s)}`);
  const client = parseAddress(m[2]!, what);
  return { name: m[1]!, client, route: parseAddress(`${m[2]!.slice(0, m[2]!.lastIndexOf(":"))}:${m[3]}`, what) };
}
