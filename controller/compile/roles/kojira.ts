// kojira: /etc/kojira/kojira.conf (https://docs.pagure.org/koji/utils/), its client certificate (CN
// = koji.kojiraUser), the tree mounted rw, and the service. Since 1.35 the repo-generation limits
// live in hub.conf; the pre-1.35 keys (max_repo_tasks, queue_file, ...) are deliberately absent.
// kojira runs as root and deletes apache-owned repos: its NFS export has no root squashing
// (docs/pitfalls.md#pitfall-7).
import type { ResolvedHost } from "../../config/defaults.js";
import { PATHS, treeIsLocal, type Farm } from "../farm.js";
import { certificateParts, clientPem } from "../certs.js";
import { renderIni } from "../ini.js";
import { gate, service, serviceId } from "../kinds.js";
import { certSubject } from "../pki.js";
import { fileIn, pathProbe, type RolePart } from "../resources.js";
import { treeFor } from "./tree.js";

const KOJIRA = "kojira.service";
/**
 * kojira must not start before its user has `repo`: a kojira that logs in first (the hub makes
 * its user on that login) has each of its threads die on ActionNotAllowed and stays up doing
 * nothing, even after the permission is granted. Found by the Koji lane (test/koji/).
 */
export const KOJIRA_GATE = "kojira-permitted";

export function kojiraConf(farm: Farm): string {
  const { koji } = farm.fleet;
  return renderIni([
    {
      name: "kojira",
      entries: [
        ["server", farm.hubUrl],
        ["topdir", koji.topdir],
        ["logfile", PATHS.kojiraLog],
        { comment: `PEM with certificate and key; CN = ${koji.kojiraUser}, a user with the repo permission.` },
        ["cert", PATHS.kojiraCert],
        ["serverca", PATHS.caCert],
        { comment: "Needs the database in UTC (koji issue 2159); the database role sets timezone = 'UTC'." },
        ["check_external_repos", koji.kojira.checkExternalRepos],
        ["max_delete_processes", koji.kojira.maxDeleteProcesses],
      ],
    },
  ]);
}

export function kojiraPart(farm: Farm, host: ResolvedHost): RolePart {
  const restart = { notifies: [serviceId(KOJIRA)] };
  const tree = treeFor(farm, host, KOJIRA);
  const subject = certSubject(farm.fleet, "kojira", farm.fleet.koji.kojiraUser);
  const permitted = gate(KOJIRA_GATE, farm.opts.kojiraPermitted === true, `koji grant-permission repo ${farm.fleet.koji.kojiraUser} (the controller gives kojira its permission in Koji)`);
  return {
    packages: ["koji-utils", ...(treeIsLocal(host) ? [] : ["nfs-utils"])],
    resources: [
      ...certificateParts(farm, host, "kojira", subject, "client"),
      ...fileIn(PATHS.kojiraConf, kojiraConf(farm), undefined, restart),
      clientPem(PATHS.kojiraCert, "kojira", { mode: "0600", owner: "root", group: "root" }, restart),
      ...tree.resources,
      permitted,
      service(KOJIRA, {}, { requires: [...tree.requires, permitted.id] }),
    ],
    probes: [pathProbe(PATHS.kojiraConf, "file")],
  };
}
