// The cloud-init user-data of a new VM (`koji-fleet cloud-init HOST`): the repository with the
// agent RPM, agent.yaml, the fleet CA, the enrollment identity and a one-time token, then
// dnf install and systemctl enable --now. Pure: the command gathers the inputs.
import { stringify } from "yaml";

export interface UserDataInput {
  host: string;
  /** What agent.yaml's nats.servers says, e.g. tls://koji-controller.example.org:4222. */
  natsServers: readonly string[];
  /** The dnf repository (baseurl) holding koji-fleet-agent. */
  repoUrl: string;
  /** Whether dnf checks the packages' signatures against gpgKeyUrl. */
  gpgKeyUrl?: string;
  caPem: string;
  enrollCertPem: string;
  enrollKeyPem: string;
  token: string;
}

const DIR = "/etc/koji-fleet";
export const USER_DATA_PATHS = {
  agentYaml: `${DIR}/agent.yaml`,
  token: `${DIR}/enrollment-token`,
  ca: `${DIR}/fleet-ca.crt`,
  enrollCert: `${DIR}/enroll.crt`,
  enrollKey: `${DIR}/enroll.key`,
} as const;

/** agent.yaml as the shipped one, with the host set and enrollment over mTLS as `enroll`. */
function agentYaml(i: UserDataInput): string {
  const identity = `${DIR}/identity`;
  return stringify(
    {
      host: i.host,
      nats: { servers: [...i.natsServers], tls: { caFile: `${identity}/ca.crt`, certFile: `${identity}/agent.crt`, keyFile: `${identity}/agent.key` } },
      enrollment: {
        tokenFile: USER_DATA_PATHS.token,
        nats: { servers: [...i.natsServers], tls: { caFile: USER_DATA_PATHS.ca, certFile: USER_DATA_PATHS.enrollCert, keyFile: USER_DATA_PATHS.enrollKey } },
      },
    },
    { lineWidth: 0 },
  );
}

export function cloudInitUserData(i: UserDataInput): string {
  const file = (path: string, content: string, permissions: string) => ({ path, content, owner: "root:root", permissions });
  const doc = {
    yum_repos: {
      "koji-fleet": { name: "koji-fleet", baseurl: i.repoUrl, enabled: true, gpgcheck: i.gpgKeyUrl !== undefined, ...(i.gpgKeyUrl ? { gpgkey: i.gpgKeyUrl } : {}) },
    },
    // write_files runs before runcmd: the package finds agent.yaml in place and keeps it
    // (%config(noreplace)); the token and the enrollment key are readable by root only.
    write_files: [
      file(USER_DATA_PATHS.agentYaml, agentYaml(i), "0640"),
      file(USER_DATA_PATHS.token, `${i.token}\n`, "0600"),
      file(USER_DATA_PATHS.ca, i.caPem, "0644"),
      file(USER_DATA_PATHS.enrollCert, i.enrollCertPem, "0644"),
      file(USER_DATA_PATHS.enrollKey, i.enrollKeyPem, "0600"),
    ],
    runcmd: [
      ["dnf", "install", "-y", "koji-fleet-agent"],
      ["systemctl", "enable", "--now", "koji-fleet-agent"],
    ],
  };
  return `#cloud-config\n${stringify(doc, { lineWidth: 0 })}`;
}
