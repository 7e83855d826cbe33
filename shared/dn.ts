// Distinguished names, shared by the compiler (hub.conf ProxyDNs), the CA (what it issues) and
// the agent (what it checks an issued certificate says). The hub compares the web
// certificate's DN to ProxyDNs by exact string equality (docs/pitfalls.md#pitfall-1), so all three use
// these functions.

export type Rdn = readonly [type: "O" | "OU" | "CN", value: string];
/** RDNs in certificate order, least specific first (as `openssl req -subj` takes them). */
export type Subject = readonly Rdn[];

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

/** Node's X509Certificate.subject form: one `TYPE=value` line per RDN, in certificate order. */
export const nodeSubject = (subject: Subject): string => subject.map(([type, value]) => `${type}=${value}`).join("\n");
