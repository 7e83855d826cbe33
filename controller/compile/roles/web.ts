// kojiweb: /etc/kojiweb/web.conf (www/conf/web.conf in Koji 1.35.3), its Secret drop-in, and the
// kojiweb certificate. That one certificate is both the web server's (on a web-only host) and the
// proxy client certificate toward the hub (WebCert), so its usage is server-client and its
// subject's RFC 2253 form is what hub.conf ProxyDNs lists (docs/pitfalls.md#pitfall-1: both come
// from webCertSubject()).
import type { ResolvedHost } from "../../config/defaults.js";
import { PATHS, type Farm } from "../farm.js";
import { certificateParts, clientPem } from "../certs.js";
import { managedHeader, renderIni } from "../ini.js";
import { secretFile, selinuxBoolean } from "../kinds.js";
import { webCertSubject } from "../pki.js";
import { APACHE_READABLE, directory, fileIn, pathProbe, type RolePart } from "../resources.js";
import { HTTPD_ID } from "./httpd.js";

/** Where the cookie-signing Secret lives (web.conf.d is read first; web.conf sets no Secret). */
export const webSecretDropIn = `${PATHS.webConfD}/koji-fleet-secrets.conf`;

export function webConf(farm: Farm): string {
  const { web } = farm.fleet.koji;
  return renderIni([
    {
      name: "web",
      entries: [
        ["SiteName", web.siteName],
        ["KojiHubURL", farm.hubUrl],
        ["KojiFilesURL", farm.filesUrl],
        { comment: "Proxy client certificate toward the hub: PEM with certificate AND key, readable by apache." },
        ["WebCert", PATHS.webCert],
        { comment: "Point at the farm CA explicitly: a missing KojiHubCA silently falls back to the system bundle." },
        ["KojiHubCA", PATHS.caCert],
        ["LoginTimeout", web.loginTimeoutHours],
        ["LibPath", PATHS.webLibPath],
        { comment: `Secret is deliberately not here: it comes from ${webSecretDropIn}.` },
      ],
    },
  ]);
}

export const webSecretTemplate = (farm: Farm): string =>
  `${managedHeader("kojiweb's session cookie key, filled in on the host from its secrets (pitfall 8).")}[web]\nSecret = {{secret:${farm.fleet.koji.web.secret}}}\n`;

export function webPart(farm: Farm, host: ResolvedHost): RolePart {
  const restart = { notifies: [HTTPD_ID] };
  return {
    packages: ["koji-web", "mod_ssl"],
    resources: [
      ...certificateParts(farm, host, "kojiweb", webCertSubject(farm.fleet, host), "server-client", restart),
      // WebCert: certificate + key, readable by the apache workers only (pitfalls 3 and 8).
      clientPem(PATHS.webCert, "kojiweb", APACHE_READABLE, restart),
      directory(PATHS.webConfD),
      ...fileIn(PATHS.webConf, webConf(farm), undefined, restart),
      secretFile(webSecretDropIn, webSecretTemplate(farm), APACHE_READABLE, restart),
      // kojiweb's httpd calls the hub over HTTPS (docs/pitfalls.md#pitfall-5).
      selinuxBoolean("httpd_can_network_connect"),
    ],
    probes: [pathProbe(PATHS.webConf, "file")],
  };
}
