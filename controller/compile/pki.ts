// Certificate subjects. The hub compares the web certificate's DN to hub.conf ProxyDNs by exact
// string equality (docs/pitfalls.md#pitfall-1), so the DN written there and the DN the CA issues must
// come from the same function: certSubject() here, rendered by rfc2253() or opensslSubj().
import type { ResolvedFleet, ResolvedHost } from "../config/defaults.js";
import { rfc2253, type Rdn, type Subject } from "../../shared/dn.js";

export { rfc2253, type Rdn, type Subject };

/** O = fleet name, OU = the component (identification only), CN = FQDN or Koji user name. */
export const certSubject = (fleet: ResolvedFleet, ou: string, cn: string): Subject => [
  ["O", fleet.name],
  ["OU", ou],
  ["CN", cn],
];

/** The kojiweb server/proxy-client certificate of a web host. */
export const webCertSubject = (fleet: ResolvedFleet, web: ResolvedHost): Subject => certSubject(fleet, "kojiweb", web.fqdn);

/** The `-subj` argument of `openssl req`: `/O=farm/OU=kojiweb/CN=web.example`. */
export function opensslSubj(subject: Subject): string {
  return subject.map(([type, value]) => `/${type}=${value.replace(/[/\\]/g, (c) => `\\${c}`)}`).join("");
}
