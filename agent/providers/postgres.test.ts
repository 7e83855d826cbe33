import * as fs from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, type TestCluster } from "../../test/support/postgres-cluster.js";
import { RecordingExecutor, createExecutor } from "./executor.js";
import {
  conninfoQuote, globUnderRoot, initdbArgv, isRejectedConnection, psqlArgv, queryJson, quoteIdent, quoteLiteral, reloadArgv, restartArgv, runPsql, statusArgv, userNameOf, type ServerControl,
} from "./postgres.js";

describe("quoting", () => {
  it.each([
    ["plain name → quoted anyway", "koji", '"koji"'],
    ["double quote → doubled", 'we"ird', '"we""ird"'],
    ["reserved word", "select", '"select"'],
    ["mixed case and space", "Koji Admin", '"Koji Admin"'],
  ])("quoteIdent: %s", (_n, input, want) => expect(quoteIdent(input)).toBe(want));

  it.each([
    ["plain", "koji", "'koji'"],
    ["single quote → doubled", "it's", "'it''s'"],
    ["backslash → E'' with the backslash doubled", "a\\b", "E'a\\\\b'"],
    ["both", "it's \\", "E'it''s \\\\'"],
    ["empty", "", "''"],
  ])("quoteLiteral: %s", (_n, input, want) => expect(quoteLiteral(input)).toBe(want));

  it.each([
    ["plain", "koji", "'koji'"],
    ["quote and backslash → backslash-escaped", "a'b\\c", "'a\\'b\\\\c'"],
  ])("conninfoQuote: %s", (_n, input, want) => expect(conninfoQuote(input)).toBe(want));

  it("a NUL byte is refused, not truncated", () => {
    expect(() => quoteIdent("a\0b")).toThrow(/NUL/);
    expect(() => quoteLiteral("a\0b")).toThrow(/NUL/);
  });
});

describe("psql argv", () => {
  it("runAs, socket, port, user, variables; SQL on stdin", () => {
    expect(psqlArgv({ connection: { host: "/run/postgresql", port: 5432, runAs: "postgres" }, user: "koji", database: "koji", vars: { name: "koji" } })).toEqual([
      "runuser", "-u", "postgres", "--", "psql", "-X", "-w", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "/run/postgresql", "-p", "5432", "-U", "koji", "-d", "koji", "-v", "name=koji", "-f", "-",
    ]);
  });

  it("a file in one transaction; a database name psql would expand is passed as conninfo", () => {
    expect(psqlArgv({ connection: { psql: "/usr/bin/psql" }, database: "a=b", file: "/x.sql", singleTransaction: true })).toEqual([
      "/usr/bin/psql", "-X", "-w", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", "dbname='a=b'", "-f", "/x.sql",
    ]);
  });

  it("password → PGPASSWORD in the environment, never argv; failures redact it", async () => {
    const exec = new RecordingExecutor(() => ({ exitCode: 2, stderr: 'psql: error: FATAL:  password authentication failed for user "koji" (hunter2)' }));
    const err = await runPsql(exec, { connection: {}, user: "koji", password: "hunter2", script: "SELECT 1" }).catch((e: unknown) => e);
    expect(String(err)).toMatch(/^PsqlError: psql as koji on postgres exited with code 2: .*password authentication failed for user "koji" \(\[redacted\]\)$/);
    expect(isRejectedConnection(err)).toBe(true);
    expect(exec.calls[0]!.argv.join(" ")).not.toContain("hunter2");
    expect(exec.calls[0]).toMatchObject({ env: { PGPASSWORD: "hunter2", PGCONNECT_TIMEOUT: "10" }, input: "SELECT 1", cwd: "/" });
  });

  it("server down (no FATAL) is not a rejected connection", async () => {
    const exec = new RecordingExecutor(() => ({ exitCode: 2, stderr: "psql: error: connection to server on socket \"/run/postgresql/.s.PGSQL.5432\" failed: No such file or directory" }));
    expect(isRejectedConnection(await runPsql(exec, { connection: {}, script: "" }).catch((e: unknown) => e))).toBe(false);
  });

  it("queryJson: first non-empty line parsed, no row → null", async () => {
    expect(await queryJson(new RecordingExecutor(() => ({ stdout: '\n{"a":1}\n' })), { connection: {}, script: "" })).toEqual({ a: 1 });
    expect(await queryJson(new RecordingExecutor(() => ({ stdout: "" })), { connection: {}, script: "" })).toBeNull();
  });
});

describe("server control argv", () => {
  const systemd: ServerControl = { via: "systemd", service: "postgresql" };
  const pgCtl: ServerControl = { via: "pg_ctl", pgCtl: "/usr/pgsql-16/bin/pg_ctl", dataDir: "/srv/pg", owner: "postgres" };
  it.each([
    ["systemd initdb", initdbArgv(systemd), ["postgresql-setup", "--initdb", "--unit", "postgresql"]],
    ["systemd status", statusArgv(systemd), ["systemctl", "is-active", "--quiet", "postgresql"]],
    ["systemd reload", reloadArgv(systemd), ["systemctl", "reload", "postgresql"]],
    ["systemd restart", restartArgv(systemd), ["systemctl", "restart", "postgresql"]],
    ["pg_ctl initdb as owner", initdbArgv(pgCtl), ["runuser", "-u", "postgres", "--", "/usr/pgsql-16/bin/initdb", "-D", "/srv/pg", "-E", "UTF8", "--auth-local=peer", "--auth-host=scram-sha-256"]],
    ["pg_ctl status", statusArgv(pgCtl), ["runuser", "-u", "postgres", "--", "/usr/pgsql-16/bin/pg_ctl", "status", "-D", "/srv/pg"]],
    ["pg_ctl reload", reloadArgv(pgCtl), ["runuser", "-u", "postgres", "--", "/usr/pgsql-16/bin/pg_ctl", "reload", "-D", "/srv/pg"]],
    ["pg_ctl restart with a log file", restartArgv(pgCtl), ["runuser", "-u", "postgres", "--", "/usr/pgsql-16/bin/pg_ctl", "restart", "-D", "/srv/pg", "-m", "fast", "-w", "-l", "/srv/pg/koji-fleet-pg_ctl.log"]],
  ])("%s", (_n, got, want) => expect(got).toEqual(want));

  it("userNameOf: uid → name from passwd", async () => {
    const dir = fs.mkdtempSync("/tmp/kf-pw-");
    fs.writeFileSync(join(dir, "passwd"), "root:x:0:0::/root:/bin/bash\npostgres:x:26:26::/var/lib/pgsql:/bin/bash\n");
    expect(await userNameOf(26, join(dir, "passwd"))).toBe("postgres");
    await expect(userNameOf(99, join(dir, "passwd"))).rejects.toThrow(/uid 99 has no entry/);
    fs.rmSync(dir, { recursive: true });
  });
});

describe("globUnderRoot", () => {
  it("matches within segments under the root; files only, sorted", async () => {
    const root = fs.mkdtempSync("/tmp/kf-glob-");
    for (const v of ["koji-1.33.0", "koji-1.33.1"]) fs.mkdirSync(join(root, "usr/share/doc", v, "docs"), { recursive: true });
    fs.writeFileSync(join(root, "usr/share/doc/koji-1.33.1/docs/schema.sql"), "");
    expect(await globUnderRoot(root, "/usr/share/doc/koji*/docs/schema.sql")).toEqual(["/usr/share/doc/koji-1.33.1/docs/schema.sql"]);
    fs.writeFileSync(join(root, "usr/share/doc/koji-1.33.0/docs/schema.sql"), "");
    expect(await globUnderRoot(root, "/usr/share/doc/koji-1.33.?/docs/*.sql")).toHaveLength(2);
    expect(await globUnderRoot(root, "/usr/share/koji/schema.sql")).toEqual([]);
    await expect(globUnderRoot(root, "/usr/../etc/*")).rejects.toThrow(/'\.\.'/);
    fs.rmSync(root, { recursive: true });
  });
});

describe("against a real server", () => {
  let pg: TestCluster;
  beforeAll(async () => {
    pg = await startCluster();
  });
  afterAll(() => pg?.stop());

  const nasty = ["koji", 'we"ird', "it's", "back\\slash", "Mixed Case", "select", "ünï côdé", "$1; DROP TABLE x; --"];

  it.each(nasty)("quoteLiteral round-trips %j through the server", async (value) => {
    const out = await runPsql(createExecutor(), { connection: pg.admin, script: `SELECT ${quoteLiteral(value)};\n` });
    expect(out).toBe(`${value}\n`);
  });

  it("quoteIdent and psql variables name the same objects, whatever the characters", async () => {
    const exec = createExecutor();
    for (const name of nasty) {
      await runPsql(exec, { connection: pg.admin, script: `CREATE TABLE ${quoteIdent(name)} ();\n` });
      const row = await queryJson<{ n: string }>(exec, { connection: pg.admin, vars: { name }, script: `SELECT json_build_object('n', relname) FROM pg_class WHERE oid = to_regclass(quote_ident(:'name'));\n` });
      expect(row).toEqual({ n: name });
      await runPsql(exec, { connection: pg.admin, vars: { name }, script: `DROP TABLE :"name";\n` });
    }
  });
});
