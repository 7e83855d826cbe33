// `postgres-database`: a database with its owner (Koji's `createdb -O koji koji`). A wrong
// owner is fixed with ALTER DATABASE … OWNER TO; a wrong encoding cannot be changed in place
// and fails the resource with a reason instead of being "fixed" by dropping data.
import { Type, type Static } from "@sinclair/typebox";
import { queryJson, runPsql } from "../../providers/postgres.js";
import type { Kind } from "../kind.js";
import { ConnectionSchema, PgName, describeConnection } from "./common.js";

export const PostgresDatabasePropsSchema = Type.Object(
  {
    name: PgName,
    owner: PgName,
    encoding: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_]{1,32}$" })),
    connection: ConnectionSchema,
  },
  { additionalProperties: false },
);
export type PostgresDatabaseProps = Static<typeof PostgresDatabasePropsSchema>;

export interface PostgresDatabaseObserved {
  /** null when the database does not exist. */
  live: { owner: string; encoding: string } | null;
}

const encodingOf = (p: PostgresDatabaseProps): string => (p.encoding ?? "UTF8").toUpperCase();
/** pg_encoding_to_char spells names in upper case (UTF8, SQL_ASCII, LATIN1). */
const sameEncoding = (a: string, b: string): boolean => a.toUpperCase() === b.toUpperCase();

const QUERY =
  "SELECT row_to_json(d) FROM (SELECT pg_get_userbyid(datdba) AS owner, pg_encoding_to_char(encoding) AS encoding FROM pg_database WHERE datname = :'name') d;\n";

function plan(p: PostgresDatabaseProps, o: PostgresDatabaseObserved): string[] {
  if (!o.live) return [`create database ${p.name} (owner ${p.owner}, encoding ${encodingOf(p)})`];
  const lines: string[] = [];
  if (o.live.owner !== p.owner) lines.push(`owner ${o.live.owner} → ${p.owner}`);
  if (!sameEncoding(o.live.encoding, encodingOf(p))) lines.push(`encoding ${o.live.encoding} → ${encodingOf(p)} (cannot be changed in place)`);
  return lines;
}

export const postgresDatabaseKind: Kind<PostgresDatabaseProps, PostgresDatabaseObserved> = {
  name: "postgres-database",
  schema: PostgresDatabasePropsSchema,
  appliesInSandbox: false,
  platforms: ["el", "fedora"],
  summary: (p) => `PostgreSQL database ${p.name} owned by ${p.owner} on ${describeConnection(p.connection)}`,

  async observe(p, ctx) {
    return { live: await queryJson(ctx.exec, { connection: p.connection, vars: { name: p.name }, script: QUERY, signal: ctx.signal }) };
  },

  diff: (p, o) => plan(p, o),

  async apply(p, o, ctx) {
    const vars = { name: p.name, owner: p.owner, encoding: encodingOf(p) };
    if (o.live && !sameEncoding(o.live.encoding, encodingOf(p))) {
      throw new Error(`database ${p.name} has encoding ${o.live.encoding}, not ${encodingOf(p)}: dump, drop and recreate it by hand`);
    }
    // template0: template1 may carry another encoding or local objects.
    // CREATE DATABASE cannot run in a transaction, so no --single-transaction here.
    const script = o.live
      ? `ALTER DATABASE :"name" OWNER TO :"owner";\n`
      : `CREATE DATABASE :"name" OWNER :"owner" ENCODING :'encoding' TEMPLATE template0;\n`;
    await runPsql(ctx.exec, { connection: p.connection, vars, script, signal: ctx.signal, timeoutMs: 300_000 });
  },
};
