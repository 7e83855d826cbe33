// Everything the lane changes or supplies because it runs on Debian 12 instead of CentOS Stream
// 10: data only, one reason per line. Rendered files are otherwise used byte for byte; each
// edit must find its target text, so a change to what the roles render shows up here first.

/** One exact substitution in a rendered file: every occurrence of `from` becomes `to`. */
export interface Edit {
  readonly from: string;
  readonly to: string;
  readonly why: string;
}

/** Edits by the rendered file's path on the farm host: the httpd stand-in applies them to a copy at each start, failing when a target is missing. */
export const EDITS: Readonly<Record<string, readonly Edit[]>> = {
  "/etc/httpd/conf.d/ssl.conf": [
    { from: "SSLPassPhraseDialog exec:/usr/libexec/httpd-ssl-pass-dialog", to: "SSLPassPhraseDialog builtin", why: "EL's mod_ssl helper script; Debian has none at that path (the keys have no pass phrase)" },
    { from: "PROFILE=SYSTEM", to: "DEFAULT", why: "EL's crypto-policies keyword; Debian's OpenSSL does not know it" },
  ],
};

/**
 * EL's httpd.conf and conf.modules.d are the httpd package's, not rendered: this is the main
 * config that stands in for them (the httpd package stand-in lays it, el-packages.ts), loading
 * Debian's builds of the modules EL loads by default and the hub's conf.d files need. ServerRoot,
 * User and conf.d are EL's. Debian builds version (kojihub.conf's <IfVersion>) and log_config
 * (the vhost's TransferLog) in: not loaded here.
 */
export const HTTPD_MODULES: readonly (readonly [string, string])[] = [
  ["mpm_event", "EL's default MPM"],
  ["authz_core", "Require in kojihub.conf"],
  ["alias", "kojihub.conf's Alias /kojihub and /kojifiles"],
  ["autoindex", "kojihub.conf's IndexOptions for /kojifiles"],
  ["ssl", "ssl.conf (mod_ssl on EL)"],
  ["socache_shmcb", "ssl.conf's SSLSessionCache shmcb:"],
  ["wsgi", "kojihub.conf's wsgi-script handler (python3-mod_wsgi on EL, libapache2-mod-wsgi-py3 here)"],
  ["cgid", "the lookaside's upload CGI (EL's 01-cgi.conf loads mod_cgid under the event MPM)"],
];

const INCLUDE_CONF_D = "IncludeOptional conf.d/*.conf";

export const HTTPD_MAIN = {
  serverRoot: "/etc/httpd",
  /** EL's DefaultRuntimeDir; PidFile run/httpd.pid there. */
  runDir: "/run/httpd",
  user: ["apache", "apache"] as const,
  /** EL's httpd.conf ends with it; the httpd stand-in expands it to apply EDITS. */
  include: INCLUDE_CONF_D,
  /** After the module lines. */
  tail: [
    "ServerName localhost",
    "ErrorLog logs/error_log",
    "# EL's mod_wsgi puts daemon sockets under ServerRoot's run/ (/run/httpd); Debian's build under /var/run/apache2.",
    "WSGISocketPrefix run/wsgi",
    INCLUDE_CONF_D,
  ],
};
