import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { staticSecrets } from "../../secrets.js";
import { postgresRoleKind as kind, type PostgresRoleProps } from "./role.js";
import { parseScramVerifier } from "./scram.js";
import { loginOverTcp, spyExecutor, startCluster, type TestCluster } from "../../../test/support/postgres-cluster.js";
import { cycle, expectNoopMatchesApply, kindContext } from "../../../test/support/kinds.js";

const PASSWORD = "Koji's db p@ss \\ 1";
let pg: TestCluster;
const spy = spyExecutor();
const reported: string[] = [];
const ctx = () => kindContext("/", { exec: spy.exec, sandbox: false, secrets: staticSecrets({ "koji-db": PASSWORD, other: "something-else" }) });
const koji = (): PostgresRoleProps => ({ name: "koji", passwordSecret: "koji-db", connection: pg.admin });
/** Diff lines of one observe, kept for the no-secret assertion at the end. */
const drift = async (props: PostgresRoleProps) => {
  const lines = kind.diff(props, await kind.observe(props, ctx()));
  reported.push(...lines);
  return lines;
};

beforeAll(async () => {
  pg = await startCluster();
});
afterAll(() => pg?.stop());

describe("postgres-role on a real server", () => {
  it("absent → created with a SCRAM password; the password logs in over TCP, a wrong one is refused", async () => {
    const lines = await expectNoopMatchesApply(kind, koji(), ctx());
    reported.push(...lines);
    expect(lines).toEqual(["create role koji (LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE, password from secret)"]);
    expect(pg.sql("SELECT rolpassword FROM pg_authid WHERE rolname = 'koji'")).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(loginOverTcp(pg, "koji", PASSWORD, "postgres")).toEqual({ ok: true, out: "koji" });
    expect(loginOverTcp(pg, "koji", "wrong", "postgres").out).toMatch(/password authentication failed for user "koji"/);
  });

  it("converged → one read-only query, nothing written", async () => {
    spy.calls.length = 0;
    expect(await cycle(kind, koji(), ctx())).toEqual({ before: [], after: [] });
    expect(spy.calls).toHaveLength(2); // the cycle's observe and its re-observe
    for (const c of spy.calls) expect(c.input).toMatch(/^SELECT row_to_json\(r\) FROM \(SELECT .* FROM pg_authid WHERE rolname = :'name'\) r;\n$/);
  });

  it("password changed behind the kind's back → detected without revealing it, set back", async () => {
    pg.sql("ALTER ROLE koji PASSWORD 'changed-by-hand'");
    expect(await drift(koji())).toEqual(["password differs → set"]);
    const before = pg.sql("SELECT rolpassword FROM pg_authid WHERE rolname = 'koji'");
    expect(await expectNoopMatchesApply(kind, koji(), ctx())).toEqual(["password differs → set"]);
    expect(pg.sql("SELECT rolpassword FROM pg_authid WHERE rolname = 'koji'")).not.toBe(before);
    expect(loginOverTcp(pg, "koji", PASSWORD, "postgres").ok).toBe(true);
    expect(loginOverTcp(pg, "koji", "changed-by-hand", "postgres").ok).toBe(false);
  });

  it.each([
    ["password removed", "ALTER ROLE koji PASSWORD NULL", ["password unset → set"]],
    ["md5 hash stored", "SET password_encryption = 'md5'; ALTER ROLE koji PASSWORD 'x'", ["password not stored as SCRAM-SHA-256 → set"]],
    ["attributes drifted", "ALTER ROLE koji NOLOGIN CREATEDB", ["login false → true", "createdb true → false"]],
  ])("%s → detected, then converged", async (_n, sql, want) => {
    pg.sql(sql);
    expect(await drift(koji())).toEqual(want);
    expect(await expectNoopMatchesApply(kind, koji(), ctx())).toEqual(want);
    expect(parseScramVerifier(pg.sql("SELECT rolpassword FROM pg_authid WHERE rolname = 'koji'").trim())).not.toBeNull();
  });

  it("another secret for the same role → password differs → set; the old one stops working", async () => {
    const props = { ...koji(), passwordSecret: "other" };
    expect(await expectNoopMatchesApply(kind, props, ctx())).toEqual(["password differs → set"]);
    expect(loginOverTcp(pg, "koji", PASSWORD, "postgres").ok).toBe(false);
    expect(loginOverTcp(pg, "koji", "something-else", "postgres").ok).toBe(true);
    await expectNoopMatchesApply(kind, koji(), ctx());
  });

  it("a name with quotes and spaces, NOLOGIN, CREATEDB, no password (pg_roles is enough)", async () => {
    const props: PostgresRoleProps = { name: `koji "read'ers"`, login: false, createdb: true, connection: pg.admin };
    expect(await expectNoopMatchesApply(kind, props, ctx())).toEqual([`create role koji "read'ers" (NOLOGIN NOSUPERUSER CREATEDB NOCREATEROLE)`]);
    expect(pg.sql(`SELECT rolcanlogin, rolcreatedb, rolpassword IS NULL FROM pg_authid WHERE rolname = 'koji "read''ers"'`)).toBe("f|t|t\n");
    expect(spy.calls.at(-1)!.input).toContain("FROM pg_roles");
  });

  it("missing secret → error names the secret; a server error never carries the password or verifier", async () => {
    await expect(kind.observe({ ...koji(), passwordSecret: "absent" }, ctx())).rejects.toThrow(/secret 'absent' is not available/);
    const broken = { ...koji(), connection: { ...pg.admin, database: "no_such_db" } };
    const err = await kind.apply(broken, { exists: true, flags: { login: true, superuser: false, createdb: false, createrole: false }, password: "differs" }, ctx()).catch((e: Error) => e);
    expect(String(err)).toMatch(/database "no_such_db" does not exist/);
    expect(String(err)).not.toContain(PASSWORD);
    expect(String(err)).not.toMatch(/SCRAM-SHA-256\$/);
  });

  it("the password never appeared in argv, stdin, or a diff line", () => {
    expect(spy.calls.length).toBeGreaterThan(10);
    for (const c of spy.calls) {
      expect(c.argv.join(" ")).not.toContain(PASSWORD);
      expect(c.input ?? "").not.toContain(PASSWORD);
      expect(JSON.stringify(c.env ?? {})).not.toContain(PASSWORD);
    }
    expect(reported.length).toBeGreaterThan(5);
    for (const line of reported) expect(line).not.toContain(PASSWORD);
    // What was sent instead: a verifier, as a quoted literal on stdin.
    expect(spy.calls.some((c) => /ALTER ROLE :"name" PASSWORD 'SCRAM-SHA-256\$4096:/.test(c.input ?? ""))).toBe(true);
  });
});
