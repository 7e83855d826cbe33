// `postgres-role`: a login role with its attributes and, optionally, a password from a secret.
// The password check never reveals the secret: observe reads the stored SCRAM verifier and
// recomputes it from the secret with the stored salt and iteration count (constant-time
// compare); apply sends a fresh verifier, never the plaintext. Nothing secret — not the
// password, not the verifier — is kept in the observed state, a diff line, an error or argv.
import { Type, type Static } from "@sinclair/typebox";
import { queryJson, quoteLiteral, runPsql } from "../../providers/postgres.js";
import type { Kind, KindContext } from "../kind.js";
import { ConnectionSchema, PgName, SecretName, describeConnection, yesNo } from "./common.js";
import { makeScramVerifier, parseScramVerifier, saslprep, scramMatches } from "./scram.js";

export const PostgresRolePropsSchema = Type.Object(
  {
    name: PgName,
    login: Type.Optional(Type.Boolean()),
    passwordSecret: Type.Optional(SecretName),
    superuser: Type.Optional(Type.Boolean()),
    createdb: Type.Optional(Type.Boolean()),
    createrole: Type.Optional(Type.Boolean()),
    connection: ConnectionSchema,
  },
  { additionalProperties: false },
);
export type PostgresRoleProps = Static<typeof PostgresRolePropsSchema>;

const FLAGS = ["login", "superuser", "createdb", "createrole"] as const;
type Flag = (typeof FLAGS)[number];
/** SQL keyword pairs; the role name is the only value and it is a psql variable. */
const KEYWORD: Record<Flag, [string, string]> = { login: ["LOGIN", "NOLOGIN"], superuser: ["SUPERUSER", "NOSUPERUSER"], createdb: ["CREATEDB", "NOCREATEDB"], createrole: ["CREATEROLE", "NOCREATEROLE"] };

/** Stored password, judged against the secret: only the verdict leaves observe. */
export type PasswordState = "matches" | "differs" | "unset" | "not-scram" | "unmanaged";

export interface PostgresRoleObserved {
  exists: boolean;
  flags: Record<Flag, boolean>;
  password: PasswordState;
}

const want = (p: PostgresRoleProps): Record<Flag, boolean> => ({ login: p.login ?? true, superuser: p.superuser ?? false, createdb: p.createdb ?? false, createrole: p.createrole ?? false });

interface Row {
  login: boolean;
  superuser: boolean;
  createdb: boolean;
  createrole: boolean;
  verifier?: string | null;
}

const ROLE_QUERY = (table: "pg_roles" | "pg_authid") =>
  `SELECT row_to_json(r) FROM (SELECT rolcanlogin AS login, rolsuper AS superuser, rolcreatedb AS createdb, rolcreaterole AS createrole` +
  `${table === "pg_authid" ? ", rolpassword AS verifier" : ""} FROM ${table} WHERE rolname = :'name') r;\n`;

async function judge(stored: string | null | undefined, secret: string): Promise<PasswordState> {
  if (stored === null || stored === undefined) return "unset";
  const verifier = parseScramVerifier(stored);
  if (!verifier) return "not-scram";
  return (await scramMatches(secret, verifier)) ? "matches" : "differs";
}

function plan(p: PostgresRoleProps, o: PostgresRoleObserved): string[] {
  const w = want(p);
  const pw = p.passwordSecret === undefined ? [] : ["password"];
  if (!o.exists) return [`create role ${p.name} (${FLAGS.map((f) => KEYWORD[f][w[f] ? 0 : 1]).join(" ")}${pw.length ? ", password from secret" : ""})`];
  const lines = FLAGS.filter((f) => o.flags[f] !== w[f]).map((f) => `${f} ${yesNo(o.flags[f])} → ${yesNo(w[f])}`);
  if (o.password === "differs") lines.push("password differs → set");
  else if (o.password === "unset") lines.push("password unset → set");
  else if (o.password === "not-scram") lines.push("password not stored as SCRAM-SHA-256 → set");
  return lines;
}

const secretOf = async (p: PostgresRoleProps, ctx: KindContext): Promise<string | undefined> => {
  if (p.passwordSecret === undefined) return undefined;
  const secret = await ctx.secrets.get(p.passwordSecret);
  saslprep(secret); // refuses a password whose verifier we could not compute like the server
  return secret;
};

export const postgresRoleKind: Kind<PostgresRoleProps, PostgresRoleObserved> = {
  name: "postgres-role",
  schema: PostgresRolePropsSchema,
  appliesInSandbox: false,
  platforms: ["el", "fedora"],
  summary: (p) => `PostgreSQL role ${p.name} on ${describeConnection(p.connection)}`,

  async observe(p, ctx) {
    const secret = await secretOf(p, ctx);
    // The verifier is only readable in pg_authid (superuser); pg_roles shows ********.
    const row = await queryJson<Row>(ctx.exec, { connection: p.connection, vars: { name: p.name }, script: ROLE_QUERY(secret === undefined ? "pg_roles" : "pg_authid"), signal: ctx.signal });
    if (!row) return { exists: false, flags: { login: false, superuser: false, createdb: false, createrole: false }, password: secret === undefined ? "unmanaged" : "unset" };
    const password = secret === undefined ? "unmanaged" : await judge(row.verifier, secret);
    return { exists: true, flags: { login: row.login, superuser: row.superuser, createdb: row.createdb, createrole: row.createrole }, password };
  },

  diff: (p, o) => plan(p, o),

  async apply(p, o, ctx) {
    const w = want(p);
    const attrs = FLAGS.map((f) => KEYWORD[f][w[f] ? 0 : 1]).join(" ");
    let script = `${o.exists ? "ALTER" : "CREATE"} ROLE :"name" WITH ${attrs};\n`;
    const secret = await secretOf(p, ctx);
    let verifier: string | undefined;
    if (secret !== undefined && o.password !== "matches") {
      verifier = await makeScramVerifier(secret);
      // A ready verifier is stored as is, whatever password_encryption says.
      script += `ALTER ROLE :"name" PASSWORD ${quoteLiteral(verifier)};\n`;
    }
    await runPsql(ctx.exec, { connection: p.connection, vars: { name: p.name }, script, redact: verifier ? [verifier] : [], signal: ctx.signal });
  },
};
