// kojiweb: /etc/kojiweb/web.conf (koji.md §2.3). The web talks to the hub as a proxy with its
// certificate, whose DN the hub lists in ProxyDNs (hub.ts derives both from pki.ts).
import type { ResolvedHost } from "../../config/defaults.js";
import { PATHS, type Farm } from "../farm.js";
import { renderIni } from "../ini.js";
import { directory, fileIn, pathProbe, type RolePart } from "../resources.js";
import { httpdRecycling } from "./hub.js";

/** Where the cookie-signing Secret will live (web.conf.d is read first; web.conf sets no Secret). */
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

export function webPart(farm: Farm, _host: ResolvedHost): RolePart {
  return {
    resources: [directory(PATHS.webConfD), ...fileIn(PATHS.webConf, webConf(farm)), ...httpdRecycling(farm).resources],
    probes: [pathProbe(PATHS.webConf, "file")],
  };
}
