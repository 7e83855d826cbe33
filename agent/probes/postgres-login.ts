// `postgres-login` probe: logs in over TCP as the application does (the hub as `koji`, with
// the password from a secret) and runs one query, `SELECT 1` unless told otherwise. It sees
// what pg_isready cannot: pg_hba rules, the password, the database's existence. psql gets the
// password through PGPASSWORD in its environment, never on argv (providers/postgres.ts).
import { Type, type Static } from "@sinclair/typebox";
import { PgName, SecretName } from "../kinds/postgres/common.js";
import { runPsql } from "../providers/postgres.js";
import type { ProbeKind } from "./index.js";
import { excerpt, healthy, redact, unhealthy } from "./common.js";

export const PostgresLoginProbeSchema = Type.Object(
  {
    /** A host name or address: TCP, as the hub connects (a socket directory would test peer/local rules instead). */
    host: Type.String({ pattern: "^[^/\\s\\x00][^\\s\\x00]{0,252}$" }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535 })),
    database: PgName,
    user: PgName,
    passwordSecret: SecretName,
    /** A read-only query; its first value is compared with `expect`. */
    query: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    expect: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);
export type PostgresLoginProbeProps = Static<typeof PostgresLoginProbeSchema>;

const TIMEOUT_MS = 20_000;

export const postgresLoginProbe: ProbeKind<PostgresLoginProbeProps> = {
  name: "postgres-login",
  schema: PostgresLoginProbeSchema,
  async check(props, ctx) {
    const who = `${props.user}@${props.host}:${props.port ?? 5432}/${props.database}`;
    if (!ctx.secrets) return unhealthy(`${who}: no secret source to read '${props.passwordSecret}' from`);
    let password: string;
    try {
      password = await ctx.secrets.get(props.passwordSecret);
    } catch (err) {
      return unhealthy(`${who}: ${(err as Error).message}`);
    }
    const query = props.query ?? "SELECT 1";
    const expect = props.expect ?? (props.query === undefined ? "1" : undefined);
    // The query must end in ';' for psql to run it from stdin in one go.
    const script = `${query.trimEnd().replace(/;?$/, ";")}\n`;
    try {
      const out = await runPsql(ctx.exec, {
        connection: { host: props.host, ...(props.port !== undefined && { port: props.port }) },
        database: props.database, user: props.user, password, script,
        timeoutMs: TIMEOUT_MS, signal: ctx.signal,
      });
      const value = (out.split("\n")[0] ?? "").trim();
      const shown = excerpt(redact(value, [password]));
      if (expect !== undefined && value !== expect) return unhealthy(`${who}: logged in, ${excerpt(query, 80)} → ${shown}, expected ${excerpt(expect, 80)}`);
      return healthy(`${who}: logged in, ${excerpt(query, 80)} → ${shown}`);
    } catch (err) {
      // runPsql already cuts the password out; a second pass costs nothing.
      return unhealthy(`${who}: ${excerpt(redact((err as Error).message, [password]), 600)}`);
    }
  },
};
