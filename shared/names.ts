// Every NATS bucket, stream, subject and key is named here and only here, so that
// per-host permissions (generated from these functions) can never drift from the code.

export const BUCKET_DESIRED = "kf-desired";
export const BUCKET_STATUS = "kf-status";
export const BUCKET_CONTROLLER = "kf-controller";
export const STREAM_EVENTS = "KF_EVENTS";
export const EVENTS_WILDCARD = "kf.events.>";

/** Host names are DNS labels: no dots, so they are safe as KV keys and subject tokens. */
export const HOST_NAME_PATTERN = "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$";
const hostName = new RegExp(HOST_NAME_PATTERN);

export function isHostName(name: string): boolean {
  return hostName.test(name);
}

function checkHost(host: string): string {
  if (!isHostName(host)) throw new Error(`invalid host name for a NATS key or subject: ${JSON.stringify(host)}`);
  return host;
}

export const desiredKey = (host: string): string => checkHost(host);
export const statusKey = (host: string): string => checkHost(host);
export const eventSubject = (host: string): string => `kf.events.${checkHost(host)}`;
/** Events raised by the controller about the fleet as a whole; `_` cannot start a host name. */
export const FLEET_EVENT_SUBJECT = "kf.events._fleet";
export const commandSubject = (host: string, command: "plan" | "converge"): string => `kf.cmd.${checkHost(host)}.${command}`;
export const commandWildcard = (host: string): string => `kf.cmd.${checkHost(host)}.*`;
/** Agents ask for enrollment here, as the restricted enrollment user. */
export const ENROLL_SUBJECT = "kf.enroll";
/** The enrollment client connects with this inbox prefix: it may subscribe to nothing else. */
export const ENROLL_INBOX_PREFIX = "_INBOX_enroll";
/** The rest of an agent certificate's subject (RFC 2253 order); the CN is the host name. */
export const AGENT_DN_SUFFIX = "OU=agents,O=koji-fleet";
/** KV buckets are streams KV_<bucket>; a key's subject is $KV.<bucket>.<key>. */
export const kvStream = (bucket: string): string => `KV_${bucket}`;
export const kvSubject = (bucket: string, key: string): string => `$KV.${bucket}.${key}`;
/** Certificate signing requests of a host's `certificate` resources (request/reply). */
export const csrSubject = (host: string): string => `kf.csr.${checkHost(host)}`;
export const CSR_WILDCARD = "kf.csr.*";
export const agentInboxPrefix = (host: string): string => `_INBOX_${checkHost(host)}`;

/** Keys of the controller's own bucket. */
export const CONTROLLER_KEYS = {
  lastGoodRevision: "revision.last-good",
  lastRejectedRevision: "revision.last-rejected",
} as const;
