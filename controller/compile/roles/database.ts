// PostgreSQL for the hub (koji.md §2.7). Two fragments in PGDATA, not whole files, so initdb's
// own postgresql.conf/pg_hba.conf stay as packaged. They only take effect once included:
//   postgresql.conf: include_if_exists = 'koji-fleet.conf'
//   pg_hba.conf (PostgreSQL >= 16, as on CentOS Stream 10): include_if_exists pg_hba-koji-fleet.conf
// PGDATA is created by initdb, which refuses a non-empty directory: a later stage orders these
// files after initdb and adds the include lines.
import type { ResolvedHost } from "../../config/defaults.js";
import { canonicalAddress } from "../../config/cross-checks.js";
import { PATHS, type Farm } from "../farm.js";
import { managedHeader } from "../ini.js";
import { file, pathProbe, type Ownership, type RolePart } from "../resources.js";

export const PG_SETTINGS_FILE = `${PATHS.pgdata}/koji-fleet.conf`;
export const PG_HBA_FILE = `${PATHS.pgdata}/pg_hba-koji-fleet.conf`;
const POSTGRES_PRIVATE: Ownership = { mode: "0600", owner: "postgres", group: "postgres" };

/** `addr/32` or `addr/128`: exactly one client address. */
export const hostCidr = (address: string): string => (address.includes(":") ? `${canonicalAddress(address)}/128` : `${address}/32`);

export function postgresqlSettings(farm: Farm, host: ResolvedHost): string {
  const db = farm.fleet.koji.database;
  return (
    managedHeader("Koji database server settings, included from postgresql.conf.") +
    // Only where the hub can reach it; never '*'.
    `listen_addresses = 'localhost,${host.address}'\n` +
    `port = ${db.port}\n` +
    `password_encryption = 'scram-sha-256'\n` +
    "# kojira's external repo checks misbehave unless the database runs in UTC (koji issue 2159).\n" +
    "timezone = 'UTC'\n"
  );
}

export function pgHba(farm: Farm): string {
  const db = farm.fleet.koji.database;
  // The hub is the only Koji component that talks to the database.
  const lines = [farm.hub].map((h) => `host    ${db.name}    ${db.user}    ${hostCidr(h.address)}    scram-sha-256    # ${h.fqdn}`);
  return `${managedHeader("Koji hub access, included from pg_hba.conf.", "TYPE  DATABASE  USER  ADDRESS  METHOD")}${lines.join("\n")}\n`;
}

export function databasePart(farm: Farm, host: ResolvedHost): RolePart {
  return {
    resources: [file(PG_SETTINGS_FILE, postgresqlSettings(farm, host), POSTGRES_PRIVATE), file(PG_HBA_FILE, pgHba(farm), POSTGRES_PRIVATE)],
    probes: [pathProbe(PG_SETTINGS_FILE, "file"), pathProbe(PG_HBA_FILE, "file")],
  };
}
