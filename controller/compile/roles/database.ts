// PostgreSQL for the hub (Koji's server how-to, "PostgreSQL Server":
// https://docs.pagure.org/koji/server_howto/): initdb, server settings and client rules
// (postgres-cluster), the service, the koji role with its password secret, the koji database it
// owns, Koji's schema loaded AS koji (docs/pitfalls.md#pitfall-6) exactly once, and the bootstrap
// admin row. Client rules are derived from the fleet: the hub is the only Koji component with DB
// access.
import type { ResolvedHost } from "../../config/defaults.js";
import { canonicalAddress } from "../../config/cross-checks.js";
import { PATHS, type Farm } from "../farm.js";
import { res, type RolePart } from "../resources.js";
import { service, serviceId } from "../kinds.js";
import { adminSqlParts } from "./database-admin.js";
import { hubDatabaseConnections } from "./httpd.js";

export const PGDATA = PATHS.pgdata;
export const CLUSTER_ID = `postgres-cluster:${PGDATA}`;
const POSTGRESQL = "postgresql.service";

/** `addr/32` or `addr/128`: exactly one client address. */
export const hostCidr = (address: string): string => (address.includes(":") ? `${canonicalAddress(address)}/128` : `${address}/32`);

export interface HbaRule {
  type: "local" | "host";
  database: string;
  user: string;
  address?: string;
  method: "peer" | "scram-sha-256";
}

/**
 * pg_hba, first match wins: the agent (as postgres) by peer; koji over 127.0.0.1 for the schema
 * load on this host; koji from each hub address. Derived from the hosts, never typed twice.
 */
export function hbaRules(farm: Farm): HbaRule[] {
  const { name, user } = farm.fleet.koji.database;
  const cidrs = [...new Set(["127.0.0.1/32", ...[farm.hub].map((h) => hostCidr(h.address))])];
  return [
    { type: "local", database: "all", user: "postgres", method: "peer" },
    ...cidrs.map((address): HbaRule => ({ type: "host", database: name, user, address, method: "scram-sha-256" })),
  ];
}

/** How pg_hba.conf shows a rule (what the agent writes into its managed block). */
export const hbaLine = (r: HbaRule): string => [r.type, r.database, r.user, ...(r.address ? [r.address] : []), r.method].join(" ");

export function postgresSettings(farm: Farm, host: ResolvedHost): Record<string, string | number> {
  return {
    // Only where the hub can reach it, and localhost for the schema load; never '*'.
    listen_addresses: `localhost,${host.address}`,
    port: farm.fleet.koji.database.port,
    password_encryption: "scram-sha-256",
    // kojira's external repo checks misbehave unless the database runs in UTC (koji issue 2159).
    timezone: "UTC",
    max_connections: maxConnections(farm),
  };
}

/** Room for every one of the hub's threads (httpd.ts) plus sweep-db, admins and the superusers' reserve. */
export const maxConnections = (farm: Farm): number => hubDatabaseConnections(farm).threads + DATABASE_SPARE_CONNECTIONS;
const DATABASE_SPARE_CONNECTIONS = 25;

/** Koji >= 1.34 installs /usr/share/koji/schema.sql; before, it sat in the versioned doc dir. */
export function schemaSource(version: string): { file: string } | { sqlGlob: string } {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return major > 1 || (major === 1 && minor >= 34) ? { file: "/usr/share/koji/schema.sql" } : { sqlGlob: "/usr/share/doc/koji*/docs/schema.sql" };
}

/** Superuser work over the local socket as the postgres OS user (peer). */
export const adminConnection = (farm: Farm) => ({ host: "/run/postgresql", port: farm.fleet.koji.database.port, runAs: "postgres" });
/** Koji's own work as the koji role over TCP with its password, like the hub. */
export const kojiConnection = (farm: Farm) => ({ host: "127.0.0.1", port: farm.fleet.koji.database.port });

export function databasePart(farm: Farm, host: ResolvedHost): RolePart {
  const db = farm.fleet.koji.database;
  const asKoji = { role: db.user, passwordSecret: db.passwordSecret };
  const roleId = `postgres-role:${db.user}`;
  const dbId = `postgres-database:${db.name}`;
  return {
    // koji (python3-koji) ships the schema file.
    packages: ["postgresql-server", "postgresql", "koji"],
    firewall: ["postgresql"],
    resources: [
      res("postgres-cluster", PGDATA, { dataDir: PGDATA, settings: postgresSettings(farm, host), hba: hbaRules(farm), service: "postgresql" }, { timeoutSeconds: 600 }),
      service(POSTGRESQL, {}, { requires: [CLUSTER_ID] }),
      res("postgres-role", db.user, { name: db.user, login: true, passwordSecret: db.passwordSecret, connection: adminConnection(farm) }, { requires: [serviceId(POSTGRESQL)] }),
      res("postgres-database", db.name, { name: db.name, owner: db.user, connection: adminConnection(farm) }, { requires: [roleId] }),
      res(
        "postgres-sql",
        "koji-schema",
        { ...schemaSource(farm.fleet.koji.version), database: db.name, runAs: asKoji, check: "SELECT to_regclass('public.users')", connection: kojiConnection(farm) },
        { requires: [dbId, CLUSTER_ID], timeoutSeconds: 600 },
      ),
      ...adminSqlParts(farm, asKoji),
    ],
    probes: [],
  };
}

