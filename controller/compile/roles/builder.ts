// kojid: /etc/kojid/kojid.conf (koji.md §2.6), one per builder with its own overrides. Arches,
// capacity and channels are hub-side host settings, converged through the hub API later.
import type { ResolvedHost } from "../../config/defaults.js";
import { PATHS, type Farm } from "../farm.js";
import { renderIni } from "../ini.js";
import { fileIn, pathProbe, type RolePart } from "../resources.js";

export function kojidConf(farm: Farm, host: ResolvedHost): string {
  const b = host.builder;
  if (!b) throw new Error(`${host.name} is not a builder`);
  // Arches, capacity and channels stay out of this file: changing them must not restart kojid.
  return renderIni([
      {
        name: "kojid",
        entries: [
          ["server", farm.hubUrl],
          { comment: "Buildroots download packages over HTTPS; the farm CA must be in the system trust store." },
          ["topurl", farm.filesUrl],
          ["topdir", farm.fleet.koji.topdir],
          { comment: "Local scratch space; must not be inside topdir." },
          ["workdir", b.workdir],
          ["mockdir", PATHS.mockdir],
          ["mockuser", PATHS.mockuser],
          { comment: `PEM with certificate and key; CN = ${host.fqdn}, the name given to koji add-host.` },
          ["cert", PATHS.kojidCert],
          ["serverca", PATHS.caCert],
          ["maxjobs", b.maxjobs],
          { comment: `MB free in ${PATHS.mockdir} below which this builder takes no task.` },
          ["minspace", b.minspace],
          ["allowed_scms", b.allowedScms],
          ["use_createrepo_c", true],
        ],
      },
    ]);
}

export function builderPart(farm: Farm, host: ResolvedHost): RolePart {
  return { resources: fileIn(PATHS.kojidConf, kojidConf(farm, host)), probes: [pathProbe(PATHS.kojidConf, "file")] };
}
