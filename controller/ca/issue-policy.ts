// What `koji-fleet ca issue` asks the CA for: the policy of a certificate whose key is made
// centrally (nats-server, the controller's NATS identity, the enrollment identity, the API's
// TLS). Pure: the command reads flags, this decides what the certificate says.
import { isIP } from "node:net";
import { FleetError } from "../../shared/errors.js";
import type { Subject } from "../../shared/dn.js";
import type { IssuePolicy } from "./authority.js";

export const ISSUE_KINDS = ["server", "client"] as const;
export type IssueKind = (typeof ISSUE_KINDS)[number];

export interface IssueRequest {
  kind: IssueKind;
  /** The CN. */
  name: string;
  /** --san values: an IPv4/IPv6 address becomes an IP SAN, anything else a DNS SAN. */
  sans: readonly string[];
  org?: string;
  ou?: string;
  days: number;
}

// A DNS name or a wildcard's left-most label: what a TLS client matches a SAN against.
const DNS_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

export function issuePolicy(req: IssueRequest): IssuePolicy {
  if (!Number.isInteger(req.days) || req.days < 1) throw new FleetError("KF_ERR_USAGE", "--days must be a positive integer");
  if (req.name === "" || /[\r\n]/.test(req.name)) throw new FleetError("KF_ERR_USAGE", `invalid certificate name '${req.name}'`);
  const ipAddresses = req.sans.filter((s) => isIP(s) !== 0);
  const dnsNames = req.sans.filter((s) => isIP(s) === 0);
  const bad = dnsNames.find((s) => !DNS_NAME.test(s));
  if (bad !== undefined) throw new FleetError("KF_ERR_USAGE", `--san '${bad}' is neither an IP address nor a DNS name`);
  if (req.kind === "server" && req.sans.length === 0) {
    // urllib3 >= 2, Go (nats-server's clients) and Node ignore the CN: without a SAN no client accepts it.
    throw new FleetError("KF_ERR_USAGE", `a server certificate needs at least one --san (the DNS names and IP addresses clients connect to), e.g. --san ${DNS_NAME.test(req.name) ? req.name : "nats.example.org"}`);
  }
  if (req.kind === "client" && req.sans.length > 0) throw new FleetError("KF_ERR_USAGE", "--san is for server certificates; a client certificate is named by its subject (CN=NAME)");
  const subject: Subject = [
    ...(req.org ? [["O", req.org] as const] : []),
    ...(req.ou ? [["OU", req.ou] as const] : []),
    ["CN", req.name],
  ];
  return { subject, usage: req.kind, days: req.days, ...(req.kind === "server" ? { dnsNames, ipAddresses } : {}) };
}
