import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readControllerConfig } from "../../controller/daemon-config.js";
import { CertificateAuthority } from "../../controller/ca/authority.js";
import { CaRegistry } from "../../controller/ca/registry.js";
import { CRL_FILE, writeCrl } from "../../controller/ca/revocation.js";
import { isHostName } from "../../shared/names.js";
import { oneOf, wantsHelp, type Command } from "../command.js";
import { caIssue } from "./ca-issue.js";

const usage = `usage: koji-fleet ca init [--org NAME] [--cn NAME] [--days N] [--config FILE]
       koji-fleet ca export [--config FILE]
       koji-fleet ca revoke HOST|NAME [--config FILE]
       koji-fleet ca revoked [--config FILE]
       koji-fleet ca user NAME --password-file FILE --out FILE.p12 [--org NAME] [--config FILE]
       koji-fleet ca issue server NAME --san DNS|IP [--san …] [--days N] [--out-dir DIR] [--config FILE]
       koji-fleet ca issue client NAME [--org NAME] [--ou UNIT] [--days N] [--out-dir DIR] [--config FILE]

init     creates the fleet CA in the controller's ca.dir (koji_ca_cert.crt and
         private/koji_ca_cert.key, 0600): RSA 3072, SHA-256, 10 years by default.
         Refuses to replace an existing CA. --org defaults to "koji-fleet".
export   prints the CA certificate, for workstations and browsers to trust
         (/etc/pki/ca-trust/source/anchors/ + update-ca-trust).
revoke   revokes every certificate issued to HOST (or made by \`ca issue\` for NAME) and
         writes the CRL to <ca.dir>/koji_ca.crl. The running controller sees it within 10 s
         and publishes it to every host whose httpd checks client certificates (hub, web,
         lookaside), and drops HOST's user from the nats-server it manages (natsServer). A
         nats-server it does not manage: koji-fleet nats-config --revoke HOST, then reload
         it (nats-server 2.9 checks no CRL: removing the user is what cuts it off; a
         revoked \`ca issue\` client NAME keeps its NATS user until you remove or replace it).
revoked  prints the revoked hosts, one per line, then each revoked \`ca issue\` NAME as
         "NAME (ca issue server|client)".
user     makes a PKCS#12 bundle (key, certificate CN=NAME, CA) for a person's browser
         login to kojiweb, protected by the password in --password-file.
issue    makes a key (RSA 3072) and a certificate for what does not enroll, written to
         --out-dir (default: the current directory) as NAME.key (0600) and NAME.crt (the
         certificate, then the CA). Refuses to replace either file, also one that appears
         while it runs. Records the certificate in <ca.dir>/issued.jsonl, so
         \`ca revoke NAME\` puts it in the CRL. 825 days by default.
         server: CN=NAME, the SANs of --san (required: an IP address or a DNS name each),
                 keyUsage digitalSignature+keyEncipherment, extKeyUsage serverAuth.
                 For nats-server and the controller's API (http.tls).
         client: CN=NAME (with OU=--ou and O=--org if given), extKeyUsage clientAuth.
                 The controller's NATS identity and the enrollment identity are the
                 users nats-config maps by default:
                   koji-fleet ca issue client controller --org koji-fleet --ou controller
                   koji-fleet ca issue client enroll --org koji-fleet --ou enrollment
--config defaults to /etc/koji-fleet/controller.yaml; it must set ca.dir.`;

export const caCommand: Command = {
  name: "ca",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        org: { type: "string" },
        ou: { type: "string" },
        cn: { type: "string", default: "Koji CA" },
        days: { type: "string" },
        san: { type: "string", multiple: true, default: [] },
        "out-dir": { type: "string", default: "." },
        config: { type: "string", default: "/etc/koji-fleet/controller.yaml" },
        "password-file": { type: "string" },
        out: { type: "string" },
      },
    });
    const [verb, arg] = positionals;
    const arity: Record<string, number> = { init: 1, export: 1, revoked: 1, revoke: 2, user: 2, issue: 3 };
    if (!verb) return console.error(usage), 2;
    if (arity[oneOf("subcommand", verb, Object.keys(arity), usage)] !== positionals.length) return console.error(usage), 2;
    const config = readControllerConfig(values.config!);
    if (!config.ca) return console.error(`koji-fleet ca: ${values.config} sets no ca.dir`), 2;
    const dir = config.ca.dir;
    const registry = new CaRegistry(dir);
    switch (verb) {
      case "issue":
        return caIssue({ kind: arg!, name: positionals[2]!, sans: values.san!, org: values.org, ou: values.ou, days: Number(values.days ?? "825"), outDir: values["out-dir"]!, caDir: dir });
      case "init": {
        const days = Number(values.days ?? "3650");
        if (!Number.isInteger(days) || days < 1) return console.error("koji-fleet ca: --days must be a positive integer"), 2;
        const ca = await CertificateAuthority.init(dir, { subject: [["O", values.org ?? "koji-fleet"], ["CN", values.cn!]], days });
        console.log(`CA created in ${ca.dir}`);
        return 0;
      }
      case "export":
        process.stdout.write((await CertificateAuthority.load(dir)).certificatePem);
        return 0;
      case "revoked":
        for (const host of await registry.revokedHosts()) console.log(host);
        for (const { name, kind } of await registry.revokedIssued()) console.log(`${name} (ca issue ${kind})`);
        return 0;
      case "revoke": {
        // A host, or a name `ca issue` recorded (nats-server's may have dots: koji.example.org).
        if (!isHostName(arg!) && !(await registry.knows(arg!))) return console.error(`koji-fleet ca: '${arg}' is neither a host name nor a name \`ca issue\` made a certificate for`), 2;
        const now = await registry.revokeHost(arg!);
        await writeCrl(await CertificateAuthority.load(dir), registry, new Date());
        console.log(`revoked ${now.length} certificate(s) of ${arg}; CRL written to ${join(dir, CRL_FILE)}`);
        console.log("a running controller publishes it to every httpd host within a minute and drops the host from the nats-server it manages;");
        console.log(`a nats-server it does not manage: koji-fleet nats-config … --revoke ${arg}, and reload it`);
        return 0;
      }
      default: {
        if (!values["password-file"] || !values.out) return console.error("koji-fleet ca user: --password-file and --out are required"), 2;
        const password = (await readFile(values["password-file"], "utf8")).replace(/\n$/, "");
        if (password.length < 8) return console.error("koji-fleet ca user: the password must have at least 8 characters"), 2;
        const bundle = (await CertificateAuthority.load(dir)).userBundle([["O", values.org ?? "koji-fleet"], ["OU", "users"], ["CN", arg!]], password);
        await writeFile(values.out, bundle, { mode: 0o600 });
        console.log(`wrote ${values.out}: import it in the browser to log in to kojiweb as ${arg}`);
        return 0;
      }
    }
  },
};
