// Typed builders for the OS resource kinds (their props are the agent's schemas, checked by
// test/catalog-contract.test.ts). Ids follow `kind:<natural key>`: the unit, the account, the
// mountpoint, the boolean, the certificate's name.
import type { Resource } from "../../shared/protocol.js";
import type { CertificateProps } from "../../shared/certificate-props.js";
import { res, type Edges, type Ownership } from "./resources.js";

/** `name` includes the unit type: "httpd.service", "koji-sweep-db.timer". */
export const serviceId = (unit: string): string => `service:${unit}`;

export const service = (unit: string, opts: { reload?: boolean } = {}, edges?: Edges): Resource =>
  res("service", unit, { name: unit, enabled: true, state: "running", ...(opts.reload && { reload: true }) }, edges);

export const DROPIN_NAME = "koji-fleet.conf";
export const dropinId = (unit: string): string => `systemd-dropin:${unit}/${DROPIN_NAME}`;
export const dropin = (unit: string, content: string, edges?: Edges): Resource =>
  res("systemd-dropin", `${unit}/${DROPIN_NAME}`, { unit, name: DROPIN_NAME, content }, edges);

export const group = (name: string, gid: number): Resource => res("group", name, { name, gid, system: true });

export const user = (name: string, props: Record<string, unknown>, edges?: Edges): Resource => res("user", name, { name, ...props }, edges);

export const mount = (path: string, device: string, options: string, edges?: Edges): Resource =>
  res("mount", path, { path, device, fstype: "nfs4", options }, { timeoutSeconds: 240, ...edges });

export const selinuxBoolean = (name: string, value = true): Resource => res("selinux-boolean", name, { name, value });

/**
 * `dir` and everything below it labeled `type`. `labelCheck: top`: trees like /mnt/koji are
 * huge, so only the top is checked each run; a rule change relabels the whole tree.
 */
export const selinuxFcontext = (dir: string, type: string): Resource => {
  const pattern = fcontextPattern(dir);
  return res("selinux-fcontext", pattern, { pattern, type, path: dir, labelCheck: "top" }, { requires: [`directory:${dir}`] });
};

/** The farm's names in a marked block of /etc/hosts: `address fqdn name` per host. */
export const hostsEntries = (entries: readonly { address: string; names: readonly string[] }[]): Resource =>
  res("hosts-entries", "/etc/hosts", { entries: entries.map((e) => ({ address: e.address, names: [...e.names] })) });

export const gate = (name: string, open: boolean, waitingFor: string): Resource => res("gate", name, { name, open, waitingFor });

export const execRefreshOnly = (name: string, argv: readonly string[]): Resource => res("exec", name, { argv: [...argv], refreshOnly: true });

/** One PEM file from parts on the host: `cert=`/`WebCert` need certificate AND key (docs/pitfalls.md#pitfall-3). */
export const pemBundle = (path: string, files: readonly string[], own: Ownership, edges?: Edges): Resource =>
  res("pem-bundle", path, { path, parts: files.map((file) => ({ file })), ...own }, edges);

/** A config file whose `{{secret:NAME}}` placeholders the agent fills from its own secrets. */
export const secretFile = (path: string, template: string, own: Ownership, edges?: Edges): Resource =>
  res("secret-file", path, { path, template, ...own }, edges);

export const certificate = (props: CertificateProps, edges?: Edges): Resource =>
  res("certificate", props.name, props as unknown as Record<string, unknown>, edges);

/** Regex-escapes a path for a semanage file spec. */
export const fcontextPattern = (dir: string): string => `${dir.replace(/[.+?*()[\]{}^$|\\]/g, (c) => `\\${c}`)}(/.*)?`;
