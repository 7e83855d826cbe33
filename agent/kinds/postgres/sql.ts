// `postgres-sql`: a SQL file loaded once (Koji's schema.sql, the bootstrap admin). "Once" is
// the `check` query's job: it runs during observe and says whether the work is done; apply
// runs the file in one transaction and the engine's re-observe requires the check to pass.
// Both run AS runAs.role, so every object the file creates is owned by that role (Koji
// docs/pitfalls.md#pitfall-6: a schema loaded as postgres breaks upgrades).
import { Type, type Static } from "@sinclair/typebox";
import { firstValue, globUnderRoot, isRejectedConnection, runPsql, type PsqlRequest } from "../../providers/postgres.js";
import { resolveUnderRoot } from "../../providers/files.js";
import { AbsolutePath } from "../common.js";
import type { Kind, KindContext } from "../kind.js";
import { ConnectionSchema, PgName, SecretName, describeConnection } from "./common.js";

export const PostgresSqlPropsSchema = Type.Object(
  {
    /** The .sql file on the host; or sqlGlob, which must match exactly one file. */
    file: Type.Optional(AbsolutePath),
    sqlGlob: Type.Optional(AbsolutePath),
    database: PgName,
    runAs: Type.Object({ role: PgName, passwordSecret: Type.Optional(SecretName) }, { additionalProperties: false }),
    /** Returns a non-empty, non-false value once the work is done. */
    check: Type.String({ minLength: 1, maxLength: 65_536 }),
    connection: ConnectionSchema,
  },
  { additionalProperties: false },
);
export type PostgresSqlProps = Static<typeof PostgresSqlPropsSchema>;

export interface PostgresSqlObserved {
  /** The file as named in the catalog (the glob's one match). */
  file: string;
  /** Why the file has to run; null when the check says it is done. */
  runBecause: string | null;
}

/** What psql prints for NULL, no row, false and zero: the work is not done. */
const NOT_DONE = new Set(["", "f", "false", "0"]);

async function resolveFile(p: PostgresSqlProps, ctx: KindContext): Promise<string> {
  if ((p.file === undefined) === (p.sqlGlob === undefined)) throw new Error("set exactly one of file and sqlGlob");
  if (p.file !== undefined) return p.file;
  const matches = await globUnderRoot(ctx.root, p.sqlGlob!);
  if (matches.length !== 1) throw new Error(`sqlGlob ${p.sqlGlob} matches ${matches.length === 0 ? "no file" : `${matches.length} files (${matches.join(", ")})`}; it must match exactly one`);
  return matches[0]!;
}

async function asRole(p: PostgresSqlProps, ctx: KindContext): Promise<Omit<PsqlRequest, "script" | "file">> {
  const password = p.runAs.passwordSecret === undefined ? undefined : await ctx.secrets.get(p.runAs.passwordSecret);
  return { connection: p.connection, database: p.database, user: p.runAs.role, ...(password !== undefined && { password }), signal: ctx.signal };
}

export const postgresSqlKind: Kind<PostgresSqlProps, PostgresSqlObserved> = {
  name: "postgres-sql",
  schema: PostgresSqlPropsSchema,
  appliesInSandbox: false,
  platforms: ["el", "fedora"],
  defaultTimeoutSeconds: 600,
  summary: (p) => `load ${p.file ?? p.sqlGlob} as ${p.runAs.role} into ${describeConnection(p.connection, p.database)}`,

  async observe(p, ctx) {
    const file = await resolveFile(p, ctx);
    if (!(await ctx.files.lstat(resolveUnderRoot(ctx.root, file)))) throw new Error(`${file} does not exist`);
    let value: string;
    try {
      value = await firstValue(ctx.exec, { ...(await asRole(p, ctx)), script: `${p.check.replace(/;?\s*$/, "")};\n` });
    } catch (err) {
      // The server refused this role (missing role or database, password, pg_hba): the file
      // cannot have been loaded through it, and apply would fail the same way, never run twice.
      if (!isRejectedConnection(err)) throw err;
      const fatal = /FATAL:\s*(.*)/.exec((err as Error).message)?.[1] ?? "connection refused";
      return { file, runBecause: `cannot connect as ${p.runAs.role} yet: ${fatal}` };
    }
    return { file, runBecause: NOT_DONE.has(value.toLowerCase()) ? `check returned ${value === "" ? "no value" : value}` : null };
  },

  diff: (p, o) => (o.runBecause === null ? [] : [`run ${o.file} as ${p.runAs.role} (${o.runBecause})`]),

  async apply(p, o, ctx) {
    // -f names the file in psql's errors (psql:<file>:<line>: ERROR …); ON_ERROR_STOP and
    // --single-transaction make a failure leave nothing behind.
    await runPsql(ctx.exec, { ...(await asRole(p, ctx)), file: resolveUnderRoot(ctx.root, o.file), singleTransaction: true, timeoutMs: 1_800_000 });
  },
};
