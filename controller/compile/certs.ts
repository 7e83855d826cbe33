// Certificate resources of the farm (docs/trust.md). The subject, SANs and usage written here ARE
// the CA's policy: the controller signs a host's CSR only as its catalog says. Keys stay on the
// host under /etc/pki/koji/private; the Koji clients get PEM bundles (cert + key,
// docs/pitfalls.md#pitfall-3).
import type { ResolvedHost } from "../config/defaults.js";
import type { Resource } from "../../shared/protocol.js";
import { hasRole, PATHS, type Farm } from "./farm.js";
import { certificate, pemBundle } from "./kinds.js";
import { certSubject, type Subject } from "./pki.js";
import { directory, type Edges, type Ownership } from "./resources.js";

export type Usage = "server" | "client" | "server-client";

export const certId = (name: string): string => `certificate:${name}`;
export const keyFileOf = (name: string): string => `${PATHS.pkiPrivate}/${name}.key`;
export const certFileOf = (name: string): string => `${PATHS.pkiCerts}/${name}.crt`;

/** Where keys and certificates live; `private` is root-only. */
export const pkiDirs = (): Resource[] => [
  directory(PATHS.pkiDir),
  directory(PATHS.pkiCerts),
  directory(PATHS.pkiPrivate, { mode: "0700", owner: "root", group: "root" }),
];

/** Server names of a host: its FQDN and short name (urllib3 >= 2 checks SANs only: docs/pitfalls.md#pitfall-10). */
export const serverNames = (host: ResolvedHost): string[] => [host.fqdn, host.name];

/**
 * One certificate resource plus the directories it needs. Server certificates always carry
 * SANs (the CA refuses them otherwise); every certificate writes the CA file, so each host that
 * has one also has the CA for serverca / SSLCACertificateFile / the trust anchor.
 */
export function certificateParts(farm: Farm, host: ResolvedHost, name: string, subject: Subject, usage: Usage, edges?: Edges): Resource[] {
  return [
    ...pkiDirs(),
    certificate(
      {
        name,
        keyFile: keyFileOf(name),
        certFile: certFileOf(name),
        caFile: PATHS.caCert,
        subject: subject.map(([t, v]): [typeof t, string] => [t, v]),
        ...(usage !== "client" && { dnsNames: serverNames(host) }),
        usage,
        days: farm.fleet.koji.certificateDays,
      },
      edges,
    ),
  ];
}

/** A client PEM (certificate then key) built from certificate `name`. */
export const clientPem = (path: string, name: string, own: Ownership, edges: Edges = {}): Resource =>
  pemBundle(path, [certFileOf(name), keyFileOf(name)], own, { ...edges, requires: [certId(name), ...(edges.requires ?? [])] });

/** CN = FQDN, OU = the component: kojihub, kojiweb, lookaside servers; kojid (the add-host name). */
export const hostSubject = (farm: Farm, ou: string, host: ResolvedHost): Subject => certSubject(farm.fleet, ou, host.fqdn);

/**
 * The certificate the host's one TLS vhost presents. Hub and web on one host share it (same
 * names): the hub's when the host has it, else kojiweb's (server-client), else the lookaside's.
 */
export function vhostCertName(host: ResolvedHost): string {
  if (hasRole(host, "hub")) return "kojihub";
  if (hasRole(host, "web")) return "kojiweb";
  if (hasRole(host, "lookaside")) return "lookaside";
  throw new Error(`${host.name} runs no httpd role`);
}
