// Lookaside cache of source tarballs (https://github.com/release-engineering/dist-git), served at
// /repo/pkgs like Fedora's layout: <dir>/<name>/<filename>/<hashtype>/<hash>/<filename>. Uploads go
// through dist-git's upload.cgi, whose ScriptAlias must come before the Alias; its client
// certificate is read from the vhost's handshake (httpd.ts: SSLVerifyClient optional + StdEnvVars
// at vhost level, docs/pitfalls.md#pitfall-9), since renegotiating on a multi-GB POST fails. The
// vhost, certificate choice and service are httpd.ts.
import type { ResolvedHost } from "../../config/defaults.js";
import { PATHS, type Farm } from "../farm.js";
import { certificateParts, hostSubject } from "../certs.js";
import { managedHeader } from "../ini.js";
import { selinuxFcontext } from "../kinds.js";
import { directory, fileIn, parentDirs, pathProbe, type RolePart } from "../resources.js";
import { HTTPD_ID } from "./httpd.js";

export const LOOKASIDE_URL_PATH = "/repo/pkgs";
export const LOOKASIDE_HTTPD_CONF = `${PATHS.httpdConfD}/lookaside.conf`;

export function lookasideHttpdConf(farm: Farm): string {
  const { dir, limitRequestBody } = farm.fleet.koji.lookaside;
  const cgiDir = PATHS.uploadCgi.slice(0, PATHS.uploadCgi.lastIndexOf("/"));
  return [
    managedHeader("Lookaside cache of source tarballs.").trimEnd(),
    "# The upload CGI first: mod_alias uses the first matching alias.",
    `ScriptAlias ${LOOKASIDE_URL_PATH}/upload.cgi ${PATHS.uploadCgi}`,
    `Alias ${LOOKASIDE_URL_PATH} ${dir}`,
    `<Directory ${cgiDir}>`,
    "    Options +ExecCGI",
    "    Require all granted",
    "</Directory>",
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

export function lookasidePart(farm: Farm, host: ResolvedHost): RolePart {
  const { dir } = farm.fleet.koji.lookaside;
  const restart = { notifies: [HTTPD_ID] };
  return {
    packages: ["httpd", "mod_ssl", "policycoreutils-python-utils"],
    resources: [
      ...certificateParts(farm, host, "lookaside", hostSubject(farm, "lookaside", host), "server", restart),
      ...parentDirs(dir),
      // As dist-git packages it: apache-owned, setgid so uploads keep the group.
      directory(dir, { mode: "02775", owner: "apache", group: "apache" }),
      // /srv is var_t, which httpd may not read; the upload CGI writes here.
      selinuxFcontext(dir, "httpd_sys_rw_content_t"),
      ...fileIn(LOOKASIDE_HTTPD_CONF, lookasideHttpdConf(farm), undefined, restart),
    ],
    probes: [pathProbe(dir, "directory"), pathProbe(LOOKASIDE_HTTPD_CONF, "file")],
  };
}
