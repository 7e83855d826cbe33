// What every host gets whatever its roles: a koji client profile named after the fleet, so admins
// and health checks on any host can run `koji -p <fleet> ...`, and a `<fleet>` command for it
// (the koji CLI picks the profile named like the command it was started as: docs/profiles.rst).
import type { ResolvedHost } from "../config/defaults.js";
import { PATHS, type Farm } from "./farm.js";
import { renderIni } from "./ini.js";
import { fileIn, pathProbe, symlink, type RolePart } from "./resources.js";

export const clientProfilePath = (farm: Farm): string => `${PATHS.clientConfD}/${farm.fleet.name}.conf`;

export function clientProfile(farm: Farm): string {
  return renderIni(
    [
      {
        name: farm.fleet.name,
        entries: [
          ["server", farm.hubUrl],
          ["weburl", farm.webUrl],
          ["topurl", farm.filesUrl],
          ["topdir", farm.fleet.koji.topdir],
          ["authtype", "ssl"],
          { comment: "Each user's own certificate: PEM with certificate and private key." },
          ["cert", PATHS.clientCert],
          ["serverca", PATHS.caCert],
        ],
      },
    ],
    [`koji client profile of the ${farm.fleet.name} farm: koji -p ${farm.fleet.name} hello`],
  );
}

export function commonPart(farm: Farm, _host: ResolvedHost): RolePart {
  const profile = clientProfilePath(farm);
  return {
    resources: [
      ...fileIn(profile, clientProfile(farm)),
      symlink(`${PATHS.localBin}/${farm.fleet.name}`, PATHS.kojiBin),
    ],
    probes: [pathProbe(profile, "file")],
  };
}
