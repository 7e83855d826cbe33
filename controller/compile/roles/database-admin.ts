// The bootstrap admin (Koji's server how-to, "Bootstrapping the initial koji admin user"): a NORMAL
// user named koji.adminUser (the CN of the admin certificate) holding the admin permission, looked
// up by name, not by id. Run once: the guard is "a (adminUser, admin) user_perms row exists", so a
// later revoke is not undone. The statements are idempotent themselves, so a user row made earlier
// by a certificate login (LoginCreatesUser) does not make the bootstrap fail forever.
import { PATHS, type Farm } from "../farm.js";
import { managedHeader } from "../ini.js";
import { fileIn, res } from "../resources.js";
import type { Resource } from "../../../shared/protocol.js";

export const BOOTSTRAP_SQL = `${PATHS.sqlDir}/bootstrap-admin.sql`;

/** A SQL string literal (the schema keeps quotes out of user names; this keeps SQL safe regardless). */
export const sqlLiteral = (s: string): string => `'${s.replace(/'/g, "''")}'`;

const adminGranted = (admin: string): string =>
  "SELECT 1 FROM user_perms up JOIN users u ON u.id = up.user_id JOIN permissions p ON p.id = up.perm_id " +
  `WHERE u.name = ${admin} AND p.name = 'admin'`;

/** The postgres-sql check: non-empty and true once the grant exists. */
export const adminCheck = (farm: Farm): string => `SELECT EXISTS (${adminGranted(sqlLiteral(farm.fleet.koji.adminUser))})`;

export function bootstrapAdminSql(farm: Farm): string {
  const admin = sqlLiteral(farm.fleet.koji.adminUser);
  return (
    managedHeader("Koji's bootstrap admin: run once, as the koji role, by postgres-sql.").replace(/^#/gm, "--") +
    "-- status 0 = NORMAL, usertype 0 = NORMAL (koji USER_STATUS / USERTYPES); no password: SSL login only.\n" +
    `INSERT INTO users (name, status, usertype)\n  SELECT ${admin}, 0, 0\n  WHERE NOT EXISTS (SELECT 1 FROM users WHERE name = ${admin});\n` +
    "INSERT INTO user_perms (user_id, perm_id, creator_id)\n  SELECT u.id, p.id, u.id FROM users u, permissions p\n" +
    `  WHERE u.name = ${admin} AND p.name = 'admin'\n  AND NOT EXISTS (${adminGranted(admin)});\n`
  );
}

export function adminSqlParts(farm: Farm, runAs: { role: string; passwordSecret: string }): Resource[] {
  const db = farm.fleet.koji.database;
  return [
    ...fileIn(BOOTSTRAP_SQL, bootstrapAdminSql(farm)),
    res(
      "postgres-sql",
      "koji-bootstrap-admin",
      { file: BOOTSTRAP_SQL, database: db.name, runAs, check: adminCheck(farm), connection: { host: "127.0.0.1", port: db.port } },
      { requires: ["postgres-sql:koji-schema", `file:${BOOTSTRAP_SQL}`] },
    ),
  ];
}
