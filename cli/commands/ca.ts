import { parseArgs } from "node:util";
import { readControllerConfig } from "../../controller/config.js";
import { CertificateAuthority } from "../../controller/ca/authority.js";
import { wantsHelp, type Command } from "../command.js";

const usage = `usage: koji-fleet ca init [--org NAME] [--cn NAME] [--days N] [--config FILE]
       koji-fleet ca export [--config FILE]

init    creates the fleet CA in the controller's ca.dir (koji_ca_cert.crt and
        private/koji_ca_cert.key, 0600): RSA 3072, SHA-256, 10 years by default.
        Refuses to replace an existing CA. --org defaults to "koji-fleet".
export  prints the CA certificate, for workstations and browsers to trust
        (/etc/pki/ca-trust/source/anchors/ + update-ca-trust).
--config defaults to /etc/koji-fleet/controller.yaml; it must set ca.dir.`;

export const caCommand: Command = {
  name: "ca",
  summary: "create the fleet CA or print its certificate",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        org: { type: "string", default: "koji-fleet" },
        cn: { type: "string", default: "Koji CA" },
        days: { type: "string", default: "3650" },
        config: { type: "string", default: "/etc/koji-fleet/controller.yaml" },
      },
    });
    const [verb] = positionals;
    if ((verb !== "init" && verb !== "export") || positionals.length !== 1) return console.error(usage), 2;
    const config = readControllerConfig(values.config!);
    if (!config.ca) return console.error(`koji-fleet ca: ${values.config} sets no ca.dir`), 2;
    if (verb === "export") {
      process.stdout.write((await CertificateAuthority.load(config.ca.dir)).certificatePem);
      return 0;
    }
    const days = Number(values.days);
    if (!Number.isInteger(days) || days < 1) return console.error("koji-fleet ca: --days must be a positive integer"), 2;
    const ca = await CertificateAuthority.init(config.ca.dir, { subject: [["O", values.org!], ["CN", values.cn!]], days });
    console.log(`CA created in ${ca.dir}`);
    return 0;
  },
};
