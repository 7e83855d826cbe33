// Schema pieces shared by the postgres-* kinds.
import { Type, type Static } from "@sinclair/typebox";

/**
 * A role or database name: anything PostgreSQL accepts (≤ 63 bytes, no control characters).
 * It reaches SQL only as a psql variable (:"name"), so quotes and spaces are safe.
 */
export const PgName = Type.String({ minLength: 1, maxLength: 63, pattern: "^[^\\x00-\\x1f\\x7f]+$" });

/** A secret's name in ctx.secrets (same rule as the secret source). */
export const SecretName = Type.String({ pattern: "^[a-z0-9][a-z0-9._-]{0,127}$" });

export const ConnectionSchema = Type.Object(
  {
    /** Unix socket directory (absolute path) or host name/address; libpq's default when absent. */
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, pattern: "^[^\\s\\x00]+$" })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535 })),
    /** Database for the administrative queries (default postgres). */
    database: Type.Optional(PgName),
    /** OS user psql runs as (runuser -u <user> --), for peer authentication: usually postgres. */
    runAs: Type.Optional(Type.String({ pattern: "^[a-z_][a-zA-Z0-9_.-]{0,31}$" })),
    /** psql program (default "psql" from PATH). */
    psql: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, pattern: "^[^\\s\\x00]+$" })),
  },
  { additionalProperties: false },
);
export type ConnectionProps = Static<typeof ConnectionSchema>;

/** "/run/postgresql:5432/koji": where a summary line says the work happens. */
export const describeConnection = (c: ConnectionProps, database?: string): string =>
  `${c.host ?? "default host"}${c.port !== undefined ? `:${c.port}` : ""}/${database ?? c.database ?? "postgres"}`;

/** Flag words for diff lines ("login false → true"). */
export const yesNo = (v: boolean): string => (v ? "true" : "false");
