// Lookaside cache of source tarballs, served at /repo/pkgs in dist-git's layout
// (https://github.com/release-engineering/dist-git): <dir>/<name>/<filename>/<hashtype>/<hash>/<filename>.
// Uploads go through koji-fleet's upload CGI (lookaside-upload.ts), whose ScriptAlias must come
// before the Alias. Only farm client certificates may upload: the certificate comes from the
// vhost's handshake (httpd.ts: SSLVerifyClient optional + StdEnvVars at vhost level,
// docs/pitfalls.md#pitfall-9) and `Require ssl-verify-client` on the upload Location admits
// only a verified one, never a per-Location renegotiation, which fails on multi-GB bodies. The
// vhost, certificate choice and service are httpd.ts.
import type { ResolvedHost } from "../../config/defaults.js";
import { PATHS, type Farm } from "../farm.js";
import { certificateParts, hostSubject } from "../certs.js";
import { managedHeader } from "../ini.js";
import { selinuxFcontext } from "../kinds.js";
import { directory, fileIn, parentDirs, pathProbe, type RolePart } from "../resources.js";
import { HTTPD_ID } from "./httpd.js";
import { uploadCgi } from "./lookaside-upload.js";

export const LOOKASIDE_URL_PATH = "/repo/pkgs";
export const LOOKASIDE_UPLOAD_PATH = `${LOOKASIDE_URL_PATH}/upload.cgi`;
export const LOOKASIDE_HTTPD_CONF = `${PATHS.httpdConfD}/lookaside.conf`;
const CGI_DIR = PATHS.uploadCgi.slice(0, PATHS.uploadCgi.lastIndexOf("/"));

export function lookasideHttpdConf(farm: Farm): string {
  const { dir, limitRequestBody } = farm.fleet.koji.lookaside;
  return [
    managedHeader("Lookaside cache of source tarballs.").trimEnd(),
    "# The upload CGI first: mod_alias uses the first matching alias.",
    `ScriptAlias ${LOOKASIDE_UPLOAD_PATH} ${PATHS.uploadCgi}`,
    `Alias ${LOOKASIDE_URL_PATH} ${dir}`,
    `<Directory ${CGI_DIR}>`,
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
    `<Location ${LOOKASIDE_UPLOAD_PATH}>`,
    "    # Packagers only: a client certificate of the farm CA, verified in the vhost's handshake.",
    "    Require ssl-verify-client",
    "</Location>",
    "",
  ].join("\n");
}

export function lookasidePart(farm: Farm, host: ResolvedHost): RolePart {
  const { dir } = farm.fleet.koji.lookaside;
  const restart = { notifies: [HTTPD_ID] };
  return {
    packages: ["httpd", "mod_ssl", "python3", "policycoreutils-python-utils"],
    resources: [
      ...certificateParts(farm, host, "lookaside", hostSubject(farm, "lookaside", host), "server", restart),
      ...parentDirs(dir),
      // As dist-git packages it: apache-owned, setgid so uploads keep the group.
      directory(dir, { mode: "02775", owner: "apache", group: "apache" }),
      // /srv is var_t, which httpd may not read; the upload CGI writes here.
      selinuxFcontext(dir, "httpd_sys_rw_content_t"),
      // httpd runs only httpd_sys_script_exec_t as CGI (what /var/www/cgi-bin has; not used:
      // httpd.conf's ScriptAlias /cgi-bin/ would expose the CGI without the client-certificate Location).
      // httpd runs it per request: a change needs no reload.
      ...fileIn(PATHS.uploadCgi, uploadCgi(dir), { mode: "0755", owner: "root", group: "root" }),
      selinuxFcontext(CGI_DIR, "httpd_sys_script_exec_t"),
      ...fileIn(LOOKASIDE_HTTPD_CONF, lookasideHttpdConf(farm), undefined, restart),
    ],
    probes: [pathProbe(dir, "directory"), pathProbe(LOOKASIDE_HTTPD_CONF, "file"), pathProbe(PATHS.uploadCgi, "file")],
  };
}
