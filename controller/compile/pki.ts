// Certificate subjects. The hub compares the web certificate's DN to hub.conf ProxyDNs by exact
// string equality (pitfall 1 in koji.md), so the DN written there and the DN the CA issues must
// come from the same function: certSubject() here, rendered by rfc2253() or opensslSubj().
import type { ResolvedFleet, ResolvedHost } from "../config/defaults.js";

export type Rdn = readonly [type: "O" | "OU" | "CN", value: string];
/** RDNs in certificate order, least specific first (as `openssl req -subj` takes them). */
export type Subject = readonly Rdn[];

/** O = fleet name, OU = the component (identification only), CN = FQDN or Koji user name. */
export const certSubject = (fleet: ResolvedFleet, ou: string, cn: string): Subject => [
  ["O", fleet.name],
  ["OU", ou],
  ["CN", cn],
];

/** The kojiweb server/proxy-client certificate of a web host. */
export const webCertSubject = (fleet: ResolvedFleet, web: ResolvedHost): Subject => certSubject(fleet, "kojiweb", web.fqdn);

/**
 * RFC 2253 string, most specific RDN first: what httpd 2.4 mod_ssl puts in SSL_CLIENT_S_DN and
 * `openssl x509 -noout -subject -nameopt RFC2253` prints, e.g. `CN=web.example,OU=kojiweb,O=farm`.
 */
export function rfc2253(subject: Subject): string {
  return [...subject]
    .reverse()
    .map(([type, value]) => `${type}=${escape2253(value)}`)
    .join(",");
}

function escape2253(value: string): string {
  return value
    .replace(/[,+"\\<>;]/g, (c) => `\\${c}`)
    .replace(/^[# ]/, (c) => `\\${c}`)
    .replace(/ $/, "\\ ");
}

/** The `-subj` argument of `openssl req`: `/O=farm/OU=kojiweb/CN=web.example`. */
export function opensslSubj(subject: Subject): string {
  return subject.map(([type, value]) => `/${type}=${value.replace(/[/\\]/g, (c) => `\\${c}`)}`).join("");
}
