// Lookaside cache of source tarballs (koji.md §9), served read-only at /repo/pkgs like Fedora's
// layout: <dir>/<name>/<filename>/<hashtype>/<hash>/<filename>. The upload CGI comes later.
import type { ResolvedHost } from "../../config/defaults.js";
import { PATHS, type Farm } from "../farm.js";
import { managedHeader } from "../ini.js";
import { directory, fileIn, parentDirs, pathProbe, type RolePart } from "../resources.js";

export const LOOKASIDE_URL_PATH = "/repo/pkgs";
export const LOOKASIDE_HTTPD_CONF = `${PATHS.httpdConfD}/lookaside.conf`;

export function lookasideHttpdConf(farm: Farm): string {
  const { dir, limitRequestBody } = farm.fleet.koji.lookaside;
  return [
    managedHeader("Lookaside cache of source tarballs.").trimEnd(),
    `Alias ${LOOKASIDE_URL_PATH} ${dir}`,
    `<Directory ${dir}>`,
    "    Options Indexes FollowSymLinks",
    "    IndexOptions +NameWidth=*",
    "    Require all granted",
    "</Directory>",
    `<Location ${LOOKASIDE_URL_PATH}>`,
    "    # httpd >= 2.4.54 caps request bodies at 1 GiB; some tarballs are bigger.",
    `    LimitRequestBody ${limitRequestBody}`,
    "</Location>",
    "",
  ].join("\n");
}

export function lookasidePart(farm: Farm, _host: ResolvedHost): RolePart {
  const { dir } = farm.fleet.koji.lookaside;
  return {
    resources: [
      ...parentDirs(dir),
      // As dist-git packages it: apache-owned, setgid so uploads keep the group.
      directory(dir, { mode: "02775", owner: "apache", group: "apache" }),
      ...fileIn(LOOKASIDE_HTTPD_CONF, lookasideHttpdConf(farm)),
    ],
    probes: [pathProbe(dir, "directory"), pathProbe(LOOKASIDE_HTTPD_CONF, "file")],
  };
}
