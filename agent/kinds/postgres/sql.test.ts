// The Koji database host end to end on a real server: pg_hba rule for the hub, the koji role
// with a password, the koji database it owns, and a schema of our own loaded once AS koji.
import * as fs from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { staticSecrets } from "../../secrets.js";
import { postgresClusterKind } from "./cluster.js";
import { postgresDatabaseKind } from "./database.js";
import { postgresRoleKind } from "./role.js";
import { postgresSqlKind as kind, type PostgresSqlProps } from "./sql.js";
import { loginOverTcp, spyExecutor, startCluster, type TestCluster } from "../../../test/support/postgres-cluster.js";
import { cycle, expectNoopMatchesApply, kindContext, tempRoot } from "../../../test/support/kinds.js";

const FIXTURES = fileURLToPath(new URL("./testdata/", import.meta.url));
const PASSWORD = "k0ji-db-secret-with-'quote'";
let pg: TestCluster;
const spy = spyExecutor();
const reported: string[] = [];
const ctx = (root = "/") => kindContext(root, { exec: spy.exec, sandbox: false, secrets: staticSecrets({ "koji-db": PASSWORD }) });
/** Connect AS koji over TCP with the password, as the hub does (scram-sha-256 rule below). */
const schema = (over: Partial<PostgresSqlProps> = {}): PostgresSqlProps => ({
  file: join(FIXTURES, "schema.sql"), database: "koji", runAs: { role: "koji", passwordSecret: "koji-db" },
  check: "SELECT to_regclass('public.users')", connection: { host: "127.0.0.1", port: pg.port }, ...over,
});
const note = (lines: string[]) => (reported.push(...lines), lines);

beforeAll(async () => {
  pg = await startCluster();
});
afterAll(() => pg?.stop());

describe("postgres-sql: Koji's database, loaded once as koji", () => {
  it("before the role exists, noop says why it would run (the server refused koji)", async () => {
    const lines = note(kind.diff(schema(), await kind.observe(schema(), ctx())));
    expect(lines).toEqual([`run ${FIXTURES}schema.sql as koji (cannot connect as koji yet: password authentication failed for user "koji")`]);
  });

  it("cluster rule + role + database converge, then the schema runs once", async () => {
    const hba = [{ type: "host" as const, database: "koji", user: "koji", address: "127.0.0.1/32", method: "scram-sha-256" as const }];
    note(await expectNoopMatchesApply(postgresClusterKind, { dataDir: pg.dataDir, pgCtl: pg.pgCtl, hba }, ctx()));
    note(await expectNoopMatchesApply(postgresRoleKind, { name: "koji", passwordSecret: "koji-db", connection: pg.admin }, ctx()));
    note(await expectNoopMatchesApply(postgresDatabaseKind, { name: "koji", owner: "koji", connection: pg.admin }, ctx()));
    const mark = spy.calls.length;
    expect(note(await expectNoopMatchesApply(kind, schema(), ctx()))).toEqual([`run ${FIXTURES}schema.sql as koji (check returned no value)`]);
    const file = spy.calls.slice(mark).filter((c) => c.argv.includes("--single-transaction"));
    expect(file.map((c) => c.argv)).toEqual([
      ["psql", "-X", "-w", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-h", "127.0.0.1", "-p", String(pg.port), "-U", "koji", "-d", "koji", "-f", `${FIXTURES}schema.sql`],
    ]);
    expect(pg.sql("SELECT name FROM admins", "koji")).toBe("kojiadmin\n");
  });

  it("every object the file made is owned by koji, none by postgres", () => {
    // Tables, the view, sequences and indexes alike.
    const owners = pg.sql("SELECT relkind::text || ' ' || pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace = 'public'::regnamespace GROUP BY 1 ORDER BY 1", "koji");
    expect(owners).toBe("S koji\ni koji\nr koji\nv koji\n");
  });

  it("second run → only the check query, no psql write, admin row still single", async () => {
    const mark = spy.calls.length;
    expect(await cycle(kind, schema(), ctx())).toEqual({ before: [], after: [] });
    expect(spy.calls.slice(mark).map((c) => [c.argv.includes("-f") ? c.argv.at(-1) : "?", c.input])).toEqual([
      ["-", "SELECT to_regclass('public.users');\n"],
      ["-", "SELECT to_regclass('public.users');\n"],
    ]);
    expect(pg.sql("SELECT count(*) FROM users", "koji")).toBe("1\n");
  });

  it("after converge the hub's view: koji logs in over TCP 127.0.0.1 with SCRAM, a wrong password is refused", () => {
    expect(pg.sql("SELECT auth_method FROM pg_hba_file_rules WHERE 'koji' = ANY(user_name) AND 'koji' = ANY(database)")).toBe("scram-sha-256\n");
    expect(loginOverTcp(pg, "koji", PASSWORD, "koji", "SELECT current_user || ' ' || count(*) FROM users")).toEqual({ ok: true, out: "koji 1" });
    expect(loginOverTcp(pg, "koji", "not-it", "koji").out).toMatch(/password authentication failed for user "koji"/);
  });

  it("sqlGlob resolves under the root: one match runs; none or two → error", async () => {
    const root = tempRoot();
    const put = (dir: string, file = join(FIXTURES, "schema.sql")) => {
      fs.mkdirSync(join(root, dir), { recursive: true });
      fs.copyFileSync(file, join(root, dir, "schema.sql"));
    };
    const props = schema({ file: undefined, sqlGlob: "/usr/share/doc/koji*/docs/schema.sql", check: "SELECT count(*) FROM admins" });
    await expect(kind.observe(props, ctx(root))).rejects.toThrow(/matches no file; it must match exactly one/);
    put("usr/share/doc/koji-1.33.0/docs");
    expect(note(kind.diff(props, await kind.observe(props, ctx(root))))).toEqual([]); // loaded already: the check says so
    put("usr/share/doc/koji-1.34.0/docs");
    await expect(kind.observe(props, ctx(root))).rejects.toThrow(/matches 2 files \(\/usr\/share\/doc\/koji-1.33.0\/docs\/schema.sql, \/usr\/share\/doc\/koji-1.34.0\/docs\/schema.sql\)/);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("a failing file → psql names file and line, and the single transaction leaves nothing behind", async () => {
    const props = schema({ file: join(FIXTURES, "broken.sql"), check: "SELECT to_regclass('public.half_done')" });
    await expect(cycle(kind, props, ctx())).rejects.toThrow(/broken\.sql:5: ERROR: {2}relation "no_such_table" does not exist/);
    expect(pg.sql("SELECT to_regclass('public.half_done')", "koji")).toBe("\n");
  });

  it.each([
    ["a check that errors → observe fails (never guessed as not done)", { check: "SELECT * FROM no_such_table" }, /relation "no_such_table" does not exist/],
    ["file missing", { file: "/no/such.sql" }, /\/no\/such.sql does not exist/],
    ["both file and sqlGlob", { sqlGlob: "/x/*.sql" }, /exactly one of file and sqlGlob/],
  ])("%s", async (_n, over, error) => {
    await expect(kind.observe(schema(over), ctx())).rejects.toThrow(error);
  });

  it.each([
    ["false", "SELECT false", "check returned f"],
    ["zero", "SELECT count(*) FROM users WHERE name = 'nobody'", "check returned 0"],
  ])("check returning %s → would run", async (_n, check, reason) => {
    expect(note(kind.diff(schema({ check }), await kind.observe(schema({ check }), ctx())))).toEqual([`run ${FIXTURES}schema.sql as koji (${reason})`]);
  });

  it("the password never appeared in argv, stdin, a diff line or an error (only in psql's environment)", () => {
    expect(spy.calls.length).toBeGreaterThan(10);
    for (const c of spy.calls) {
      expect(c.argv.join(" ")).not.toContain(PASSWORD);
      expect(c.input ?? "").not.toContain(PASSWORD);
      if (c.env?.PGPASSWORD !== undefined) expect(c.argv).toContain("koji");
    }
    for (const line of reported) expect(line).not.toContain(PASSWORD);
  });
});
