// kojira: /etc/kojira/kojira.conf (koji.md §2.5). Since 1.35 the repo-generation limits live in
// hub.conf; the pre-1.35 keys (max_repo_tasks, queue_file, ...) are deliberately absent.
import type { ResolvedHost } from "../../config/defaults.js";
import { PATHS, type Farm } from "../farm.js";
import { renderIni } from "../ini.js";
import { fileIn, pathProbe, type RolePart } from "../resources.js";

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

export function kojiraPart(farm: Farm, _host: ResolvedHost): RolePart {
  return { resources: fileIn(PATHS.kojiraConf, kojiraConf(farm)), probes: [pathProbe(PATHS.kojiraConf, "file")] };
}
