import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresDatabaseKind as kind, type PostgresDatabaseProps } from "./database.js";
import { spyExecutor, startCluster, type TestCluster } from "../../../test/support/postgres-cluster.js";
import { cycle, expectNoopMatchesApply, kindContext } from "../../../test/support/kinds.js";

let pg: TestCluster;
const spy = spyExecutor();
const ctx = () => kindContext("/", { exec: spy.exec, sandbox: false });
const koji = (): PostgresDatabaseProps => ({ name: "koji", owner: "koji", connection: pg.admin });
const live = (name: string) => pg.sql(`SELECT pg_get_userbyid(datdba) || ' ' || pg_encoding_to_char(encoding) FROM pg_database WHERE datname = '${name.replace(/'/g, "''")}'`).trim();

beforeAll(async () => {
  pg = await startCluster();
  pg.sql(`CREATE ROLE koji LOGIN; CREATE ROLE "o'wner ""x""" NOLOGIN;`);
});
afterAll(() => pg?.stop());

describe("postgres-database on a real server", () => {
  it("absent → CREATE DATABASE … OWNER … ENCODING 'UTF8' TEMPLATE template0", async () => {
    expect(await expectNoopMatchesApply(kind, koji(), ctx())).toEqual(["create database koji (owner koji, encoding UTF8)"]);
    expect(live("koji")).toBe("koji UTF8");
    expect(spy.calls.find((c) => c.input?.startsWith("CREATE"))).toMatchObject({
      argv: ["runuser", "-u", "postgres", "--", "psql", "-X", "-w", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", pg.sockDir, "-p", String(pg.port), "-d", "postgres", "-v", "name=koji", "-v", "owner=koji", "-v", "encoding=UTF8", "-f", "-"],
      input: `CREATE DATABASE :"name" OWNER :"owner" ENCODING :'encoding' TEMPLATE template0;\n`,
    });
  });

  it("converged → only the read-only query runs", async () => {
    spy.calls.length = 0;
    expect(await cycle(kind, koji(), ctx())).toEqual({ before: [], after: [] });
    expect(spy.calls.map((c) => c.input)).toEqual([expect.stringMatching(/^SELECT row_to_json/), expect.stringMatching(/^SELECT row_to_json/)]);
  });

  it("owner changed by hand → ALTER DATABASE … OWNER TO, data kept", async () => {
    pg.sql("CREATE TABLE keep_me (id int)", "koji");
    pg.sql("ALTER DATABASE koji OWNER TO postgres");
    expect(await expectNoopMatchesApply(kind, koji(), ctx())).toEqual(["owner postgres → koji"]);
    expect(spy.calls.at(-3)!.input).toBe(`ALTER DATABASE :"name" OWNER TO :"owner";\n`);
    expect(live("koji")).toBe("koji UTF8");
    expect(pg.sql("SELECT to_regclass('keep_me') IS NOT NULL", "koji")).toBe("t\n");
  });

  it("names with quotes and spaces are created as given", async () => {
    const props = { name: `koji "test" db`, owner: `o'wner "x"`, encoding: "sql_ascii", connection: pg.admin };
    expect(await expectNoopMatchesApply(kind, props, ctx())).toEqual([`create database koji "test" db (owner o'wner "x", encoding SQL_ASCII)`]);
    expect(live(`koji "test" db`)).toBe(`o'wner "x" SQL_ASCII`);
  });

  it("wrong encoding → reported, and apply refuses to drop data", async () => {
    pg.sql("CREATE DATABASE latin ENCODING 'LATIN1' TEMPLATE template0 OWNER koji");
    const props = { name: "latin", owner: "koji", connection: pg.admin };
    const observed = await kind.observe(props, ctx());
    expect(kind.diff(props, observed)).toEqual(["encoding LATIN1 → UTF8 (cannot be changed in place)"]);
    await expect(kind.apply(props, observed, ctx())).rejects.toThrow(/database latin has encoding LATIN1, not UTF8: dump, drop and recreate it by hand/);
  });

  it("owner role missing → the server's error", async () => {
    await expect(cycle(kind, { name: "orphan", owner: "nobody_here", connection: pg.admin }, ctx())).rejects.toThrow(/role "nobody_here" does not exist/);
  });
});
