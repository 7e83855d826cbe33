// `koji-fleet cloud-init HOST`: prints the user-data that makes a new VM install the agent and
// enroll itself. The token is made as `token create` makes it (the host must be in the fleet).
import { readFile } from "node:fs/promises";
import { readControllerConfig } from "../../controller/daemon-config.js";
import { CertificateAuthority } from "../../controller/ca/authority.js";
import { FleetError } from "../../shared/errors.js";
import { isHostName } from "../../shared/names.js";
import { API_OPTIONS_HELP, parseApiArgs } from "../api-client.js";
import { cloudInitUserData } from "../cloud-init-user-data.js";
import { wantsHelp, type Command } from "../command.js";
import { createEnrollmentToken } from "./token.js";

const usage = `usage: koji-fleet cloud-init HOST --nats URL [--nats URL …] --repo URL [--gpg-key URL]
         [--enroll-cert FILE] [--enroll-key FILE] [--ttl SECONDS] [--config FILE] [--api URL] [--token FILE]

Prints cloud-init user-data (#cloud-config) for HOST's new VM: the dnf repository --repo
(baseurl) with the agent RPM, /etc/koji-fleet/agent.yaml (host HOST, nats.servers --nats,
enrollment over mTLS), the fleet CA, the enrollment identity (--enroll-cert and --enroll-key,
default /etc/koji-fleet/tls/enroll.crt and .key, from koji-fleet ca issue client enroll), a
fresh one-time token valid --ttl seconds (default 86400), then dnf install -y
koji-fleet-agent and systemctl enable --now koji-fleet-agent. Run it on the controller host
as root (it reads the CA of ca.dir, the enrollment key, and writes the token's hash into the
controller's state directory, as \`token create\` does; --config, default
/etc/koji-fleet/controller.yaml). The output holds a secret key and a token: keep it 0600.

--gpg-key URL   dnf checks the packages' signatures with this key (default: gpgcheck off)

HOST must be in the fleet, as for \`token create\`: the running controller is asked at --api.

${API_OPTIONS_HELP.replace(/\n\s+--json.*$/, "")}

exit codes: 0 ok, 1 controller.yaml missing or invalid, 2 usage, 3 HOST not in the fleet or
  a file not found, 4 controller not reachable, 6 the controller cannot reach NATS, 9 no valid
  credentials (docs/errors.md).`;

async function readPem(what: string, file: string): Promise<string> {
  return readFile(file, "utf8").catch((err: unknown) => {
    throw new FleetError("KF_ERR_NOT_FOUND", `${what} ${file}: ${(err as Error).message}; make it with: koji-fleet ca issue client enroll --org koji-fleet --ou enrollment --out-dir /etc/koji-fleet/tls`);
  });
}

export const cloudInitCommand: Command = {
  name: "cloud-init",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    const { values, positionals } = parseApiArgs(args, {
      nats: { type: "string", multiple: true, default: [] },
      repo: { type: "string" },
      "gpg-key": { type: "string" },
      "enroll-cert": { type: "string", default: "/etc/koji-fleet/tls/enroll.crt" },
      "enroll-key": { type: "string", default: "/etc/koji-fleet/tls/enroll.key" },
      ttl: { type: "string", default: "86400" },
      config: { type: "string", default: "/etc/koji-fleet/controller.yaml" },
    });
    const [host] = positionals;
    if (!host || positionals.length !== 1 || values.nats!.length === 0 || !values.repo) return console.error(usage), 2;
    if (!isHostName(host)) throw new FleetError("KF_ERR_USAGE", `invalid host name '${host}'`);
    const bad = values.nats!.find((u) => !/^(tls|nats):\/\/[^/\s]+$/.test(u));
    if (bad) throw new FleetError("KF_ERR_USAGE", `--nats '${bad}' is not a NATS URL (tls://HOST:4222)`);
    if (!/^https?:\/\/\S+$/.test(values.repo)) throw new FleetError("KF_ERR_USAGE", `--repo '${values.repo}' is not an http(s) URL`);
    const config = readControllerConfig(values.config!);
    if (!config.ca) throw new FleetError("KF_ERR_USAGE", `${values.config} sets no ca.dir`);
    const caPem = (await CertificateAuthority.load(config.ca.dir)).certificatePem;
    const [enrollCertPem, enrollKeyPem] = [await readPem("the enrollment certificate", values["enroll-cert"]!), await readPem("the enrollment key", values["enroll-key"]!)];
    // Last: a token is made only once everything else is known to be there.
    const token = await createEnrollmentToken(config, host, Number(values.ttl), { api: values.api, token: values.token });
    process.stdout.write(cloudInitUserData({ host, natsServers: values.nats!, repoUrl: values.repo, gpgKeyUrl: values["gpg-key"], caPem, enrollCertPem, enrollKeyPem, token }));
    return 0;
  },
};
