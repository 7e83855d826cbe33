// Rules the schema cannot express: uniqueness across hosts, how many hosts may carry a role, and
// the Koji facts an experienced admin checks before a farm is built (docs/pitfalls.md),
// and the path policy of system-paths.ts on every path the schema declares.
import type { TSchema } from "@sinclair/typebox";
import { checkRoleGraph, DependencyCycleError, KOJI_ROLE_DEPENDENCIES } from "../rollout/graph.js";
import { isIP } from "node:net";
import type { ConfigError, LocatedDocument, PathSegment } from "../../shared/yaml-config.js";
import { defaultsApplied } from "./defaults.js";
import { ABS_PATH, FleetSchema, type FleetConfig, type Role } from "./fleet-schema.js";
import { systemPathReason } from "./system-paths.js";

/** Roles whose count is fixed, and why; messages must tell the admin what breaks. */
const COUNTED: ReadonlyArray<{ role: Role; why: string }> = [
  { role: "hub", why: "exactly one is required: web, kojira and builders talk to it" },
  { role: "database", why: "exactly one is required: the hub keeps all state in it" },
  { role: "nfs", why: "exactly one is required: it exports koji.topdir to hub, kojira and builders" },
  { role: "kojira", why: "exactly one is required: since Koji 1.35 only kojira turns repo requests into newRepo tasks, and Koji allows only one" },
];

/** NFS options koji-fleet derives per client from its roles; writing them by hand would contradict it. */
const DERIVED_EXPORT_OPTIONS = new Set(["rw", "ro", "root_squash", "no_root_squash", "all_squash", "no_all_squash"]);

/** Canonical text of an address, so `::1` and `0:0::1` count as duplicates. */
export function canonicalAddress(address: string): string {
  return isIP(address) === 6 ? new URL(`http://[${address}]/`).hostname.slice(1, -1) : address;
}

/** Every value of `data` the schema declares an absolute path, with where it is: new path keys are covered by construction. */
function pathValues(schema: TSchema, data: unknown, at: PathSegment[] = []): Array<{ at: PathSegment[]; value: string }> {
  if (typeof data === "string") return schema.pattern === ABS_PATH ? [{ at, value: data }] : [];
  if (Array.isArray(data)) return schema.items ? data.flatMap((v, i) => pathValues(schema.items, v, [...at, i])) : [];
  if (data === null || typeof data !== "object") return [];
  const properties = (schema.properties ?? {}) as Record<string, TSchema>;
  return Object.entries(data).flatMap(([k, v]) => (properties[k] ? pathValues(properties[k], v, [...at, k]) : []));
}

const overlaps = (a: string, b: string): boolean => a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);

export function crossCheck(fleet: FleetConfig, doc: LocatedDocument): ConfigError[] {
  const errors: ConfigError[] = [];
  const at = (path: PathSegment[], message: string, atKey = false) => errors.push(doc.error(path, `${doc.where(path)}: ${message}`, atKey));
  const lineOf = (path: PathSegment[]) => doc.locate(path).line;

  const names = new Map<string, number>();
  const addresses = new Map<string, number>();
  fleet.hosts.forEach((h, i) => {
    const first = names.get(h.name);
    if (first !== undefined) at(["hosts", i, "name"], `duplicate host name '${h.name}', first used at line ${lineOf(["hosts", first, "name"])}`);
    else names.set(h.name, i);

    if (isIP(h.address) === 0) at(["hosts", i, "address"], `'${h.address}' is not an IPv4 or IPv6 address`);
    else {
      const key = canonicalAddress(h.address);
      const firstAddr = addresses.get(key);
      if (firstAddr !== undefined) at(["hosts", i, "address"], `address ${h.address} is already used by '${fleet.hosts[firstAddr]?.name}' at line ${lineOf(["hosts", firstAddr, "address"])}`);
      else addresses.set(key, i);
    }

    const fqdn = `${h.name}.${fleet.fleet.domain}`;
    if (fqdn.length > 253) at(["hosts", i, "name"], `FQDN '${fqdn}' is longer than 253 characters`);
    if (h.settings !== undefined && !h.roles.includes("builder")) {
      at(["hosts", i, "settings"], "settings override koji.builders and apply only to hosts with role 'builder'", true);
    }
  });

  for (const { role, why } of COUNTED) {
    const holders = fleet.hosts.flatMap((h, i) => (h.roles.includes(role) ? [{ host: h.name, i, j: h.roles.indexOf(role) }] : []));
    if (holders.length === 0) at(["hosts"], `no host has role '${role}'; ${why}`, true);
    for (const extra of holders.slice(1)) {
      at(["hosts", extra.i, "roles", extra.j], `role '${role}' is already on '${holders[0]?.host}'; ${why}`);
    }
  }

  const resolved = defaultsApplied(fleet);
  const builders = resolved.hosts.filter((h) => h.builder !== undefined);
  if (builders.length === 0) at(["hosts"], "no host has role 'builder'; at least one is required to build anything", true);
  else if (!builders.some((h) => h.builder?.channels.includes("createrepo"))) {
    at(["hosts"], "no builder is in channel 'createrepo'; repositories would never be generated", true);
  }

  // kojid refuses a workdir equal to (or inside) KojiDir; point at whichever line set the clash.
  const topdir = resolved.koji.topdir;
  const reported = new Set<string>();
  fleet.hosts.forEach((h, i) => {
    const own = h.settings?.workdir;
    const workdir = own ?? resolved.koji.builders.workdir;
    if (!h.roles.includes("builder") || !overlaps(workdir, topdir)) return;
    const where: PathSegment[] =
      own !== undefined ? ["hosts", i, "settings", "workdir"] : fleet.koji?.builders?.workdir !== undefined ? ["koji", "builders", "workdir"] : ["koji", "topdir"];
    if (reported.has(where.join("/"))) return;
    reported.add(where.join("/"));
    at(where, `builder workdir ${workdir} overlaps koji.topdir ${topdir}; kojid needs local scratch space outside the shared tree`);
  });

  // koji-fleet-sources fetches from the farm's lookaside host: an SCM relying on it needs one.
  if (!fleet.hosts.some((h) => h.roles.includes("lookaside"))) {
    const lists: [PathSegment[], readonly { sources?: string }[] | undefined][] = [
      [["koji", "builders", "scms"], fleet.koji?.builders?.scms],
      ...fleet.hosts.map((h, i): [PathSegment[], readonly { sources?: string }[] | undefined] => [["hosts", i, "settings", "scms"], h.settings?.scms]),
    ];
    for (const [where, scms] of lists) {
      scms?.forEach((scm, j) => {
        if ((scm.sources ?? "lookaside") === "lookaside") at([...where, j], "fetches sources from the lookaside (sources: lookaside, the default) but no host has role 'lookaside'; add one or set sources: make or none");
      });
    }
  }

  for (const { at: where, value } of pathValues(FleetSchema, fleet)) {
    const reason = systemPathReason(value);
    if (reason) at(where, `${value} ${reason}; agents create, chown, relabel or export it as root, so it must be a directory of the farm's own (e.g. under /srv or /mnt)`);
  }

  fleet.koji?.nfs?.exportOptions?.forEach((o, i) => {
    if (DERIVED_EXPORT_OPTIONS.has(o)) at(["koji", "nfs", "exportOptions", i], `'${o}' is derived from each client's roles (rw for hub and kojira, ro for builders); remove it`);
  });

  // Two secrets for two jobs: the kojiweb cookie key must not be the database password.
  if (resolved.koji.web.secret === resolved.koji.database.passwordSecret) {
    at(fleet.koji?.web?.secret !== undefined ? ["koji", "web", "secret"] : ["koji", "database", "passwordSecret"], `koji.web.secret and koji.database.passwordSecret are both '${resolved.koji.web.secret}'; kojiweb's session key must not be the database password`);
  }

  const { adminUser, kojiraUser } = resolved.koji;
  if (adminUser === kojiraUser) at(["koji", "kojiraUser"], `kojira must not log in as the admin user '${adminUser}'`);
  for (const user of [adminUser, kojiraUser]) {
    const clash = resolved.hosts.find((h) => h.fqdn === user && h.builder);
    if (clash) at(["koji", user === adminUser ? "adminUser" : "kojiraUser"], `'${user}' is the Koji host user of builder '${clash.name}'`);
  }

  const dependencies = fleet.rollout?.dependencies;
  if (dependencies) {
    try {
      checkRoleGraph({ ...KOJI_ROLE_DEPENDENCIES, ...dependencies });
    } catch (err) {
      if (!(err instanceof DependencyCycleError)) throw err;
      const role = err.cycle.find((r) => r in dependencies) ?? err.cycle[0]!;
      at(["rollout", "dependencies", role], err.message, true);
    }
  }

  return errors.sort((a, b) => a.line - b.line || a.col - b.col || (a.message < b.message ? -1 : 1));
}
