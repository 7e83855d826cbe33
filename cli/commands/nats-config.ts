import { randomBytes } from "node:crypto";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { loadFleetArg } from "../fleet-file.js";
import { renderNatsConfig, type NatsConfigInput } from "../../controller/nats-config.js";
import { AGENT_DN_SUFFIX } from "../../shared/names.js";
import { wantsHelp, type Command } from "../command.js";

const TLS_DEFAULTS = { controller: "CN=controller,OU=controller,O=koji-fleet", enrollment: "CN=enroll,OU=enrollment,O=koji-fleet" };
const PASSWORD_DEFAULTS = { controller: "controller", enrollment: "enroll" };

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
    const defaults = tls ? TLS_DEFAULTS : PASSWORD_DEFAULTS;
    const input: NatsConfigInput = {
      hosts,
      revokedHosts,
      controller: { user: v["controller-user"] ?? defaults.controller },
      enrollment: { user: v["enrollment-user"] ?? defaults.enrollment },
      ...(v.listenAt ? { listen: v.listenAt } : {}),
      jetstreamStoreDir: v.storeDir,
    };
    if (tls) {
      input.tls = { certFile: v["tls-cert"]!, keyFile: v["tls-key"]!, caFile: v["tls-ca"]! };
    } else {
      if (!v["passwords-file"]) return console.error("without --tls-* a --passwords-file is required\n\n" + usage), 2;
      console.error("koji-fleet nats-config: warning: password authentication is for tests and sandboxes only; use --tls-* in production");
      const live = hosts.filter((h) => !revokedHosts.includes(h));
      let pw: Record<string, string>;
      try {
        pw = await passwords(v["passwords-file"], [input.controller.user, input.enrollment!.user, ...live]);
      } catch (err) {
        return console.error(`koji-fleet nats-config: ${(err as Error).message}`), 1;
      }
      input.controller.password = pw[input.controller.user];
      input.enrollment!.password = pw[input.enrollment!.user];
      input.hostPasswords = Object.fromEntries(live.map((h) => [h, pw[h]!]));
    }

    let text: string;
    try {
      text = renderNatsConfig(input);
    } catch (err) {
      return console.error(`koji-fleet nats-config: ${(err as Error).message}`), 2;
    }
    if (!v.out) return process.stdout.write(text), 0;
    await writeFile(v.out, text, { mode: 0o640 });
    await chmod(v.out, 0o640); // mode only applies when the file is created
    console.error(`wrote ${v.out}: ${hosts.length - revokedHosts.length} agent user(s); apply with: nats-server --signal reload`);
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
    },
  });
  if (!values.fleet) throw new Error("--fleet is required");
  if (!values["store-dir"]) throw new Error("--store-dir is required");
  return { ...values, fleet: values.fleet, storeDir: values["store-dir"], listenAt: values.listen ? parseListen(values.listen) : undefined };
}

function parseListen(s: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(s);
  if (!m || Number(m[2]) > 65_535) throw new Error(`--listen wants HOST:PORT, got ${JSON.stringify(s)}`);
  return { host: m[1]!, port: Number(m[2]) };
}

/** Reads the passwords file, adds a random password for each user that has none, keeps it 0600. */
async function passwords(file: string, users: string[]): Promise<Record<string, string>> {
  const raw = await readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? "{}" : Promise.reject(e)));
  const pw = JSON.parse(raw) as unknown;
  if (typeof pw !== "object" || pw === null || Array.isArray(pw) || !Object.values(pw).every((p) => typeof p === "string" && p !== "")) {
    throw new Error(`${file}: expected a JSON object of non-empty strings`);
  }
  const map = pw as Record<string, string>;
  const missing = users.filter((u) => !(u in map));
  // base64url: nothing a nats-server config string would need escaped
  for (const u of missing) map[u] = randomBytes(24).toString("base64url");
  if (missing.length > 0) await writeFile(file, `${JSON.stringify(map, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return map;
}
