// The postgres-login probe against a real throwaway cluster: SCRAM over TCP on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFiles } from "../providers/files.js";
import { staticSecrets } from "../secrets.js";
import { spyExecutor, startCluster, type TestCluster } from "../../test/support/postgres-cluster.js";
import { runProbes } from "./index.js";

const PASSWORD = "Koji's db p@ss \\ 1";
const WRONG = "not-the-password-42";
let pg: TestCluster;
const spy = spyExecutor();
const outputs: string[] = [];
const secrets = staticSecrets({ "koji-db": PASSWORD, "koji-db-old": WRONG });

beforeAll(async () => {
  pg = await startCluster();
  pg.sql(`CREATE ROLE koji LOGIN PASSWORD '${PASSWORD.replace(/'/g, "''")}';\nCREATE DATABASE koji OWNER koji;\n`);
  // Loaded as koji, as the Koji docs want (docs/pitfalls.md#pitfall-6: objects owned by the wrong role).
  pg.sql("SET ROLE koji; CREATE TABLE users (id int, name text); INSERT INTO users VALUES (1, 'kojiadmin');", "koji");
});
afterAll(() => {
  // Neither password ever reaches an output, nor psql's argv.
  for (const out of outputs) for (const secret of [PASSWORD, WRONG]) expect(out).not.toContain(secret);
  for (const c of spy.calls) for (const secret of [PASSWORD, WRONG]) expect(c.argv.join(" ")).not.toContain(secret);
  pg?.stop();
});

async function check(props: Record<string, unknown>, withSecrets = true) {
  const [r] = await runProbes([{ id: "p", kind: "postgres-login", props }], { root: "/", files: createFiles(), exec: spy.exec, previous: [], ...(withSecrets && { secrets }) });
  outputs.push(r!.output);
  return { healthy: r!.healthy, output: r!.output };
}
const koji = (extra: Record<string, unknown> = {}) => ({ host: "127.0.0.1", port: pg.port, database: "koji", user: "koji", passwordSecret: "koji-db", ...extra });

describe("postgres-login on a real server", () => {
  it("the right password → logged in, SELECT 1 → 1; psql got it from PGPASSWORD, not argv", async () => {
    spy.calls.length = 0;
    expect(await check(koji())).toEqual({ healthy: true, output: `koji@127.0.0.1:${pg.port}/koji: logged in, SELECT 1 → 1` });
    expect(spy.calls).toHaveLength(1);
    expect(spy.calls[0]!.argv).toEqual(["psql", "-X", "-w", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(pg.port), "-U", "koji", "-d", "koji", "-f", "-"]);
    expect(spy.calls[0]!.env?.PGPASSWORD).toBe(PASSWORD);
    expect(spy.calls[0]!.input).toBe("SELECT 1;\n");
  });

  it("a wrong password → unhealthy with the server's FATAL", async () => {
    const r = await check(koji({ passwordSecret: "koji-db-old" }));
    expect(r.healthy).toBe(false);
    expect(r.output).toMatch(new RegExp(`^koji@127\\.0\\.0\\.1:${pg.port}/koji: psql as koji on koji exited with code 2: .*password authentication failed for user "koji"`));
  });

  it("a query and its expected value (the koji schema is loaded, kojiadmin exists)", async () => {
    const q = "select count(*) from users where name='kojiadmin'";
    expect(await check(koji({ query: q, expect: "1" }))).toEqual({ healthy: true, output: `koji@127.0.0.1:${pg.port}/koji: logged in, ${q} → 1` });
    expect(await check(koji({ query: "select to_regclass('public.builds')", expect: "builds" }))).toEqual({
      healthy: false,
      output: `koji@127.0.0.1:${pg.port}/koji: logged in, select to_regclass('public.builds') → (empty), expected builds`,
    });
  });

  it("a failing query → unhealthy with psql's error", async () => {
    const r = await check(koji({ query: "select * from nosuch" }));
    expect(r).toMatchObject({ healthy: false, output: expect.stringContaining('relation "nosuch" does not exist') });
  });

  it("a database that does not exist, a port nobody listens on", async () => {
    expect((await check(koji({ database: "kojix" }))).output).toMatch(/FATAL: {1,2}database "kojix" does not exist/);
    expect((await check(koji({ port: 1 }))).output).toMatch(/koji@127\.0\.0\.1:1\/koji: .*(Connection refused|could not connect)/);
  });

  it("a missing secret or no secret source → unhealthy, named, nothing run", async () => {
    spy.calls.length = 0;
    expect(await check(koji({ passwordSecret: "nosuch" }))).toEqual({ healthy: false, output: `koji@127.0.0.1:${pg.port}/koji: secret 'nosuch' is not available on this host` });
    expect(await check(koji(), false)).toEqual({ healthy: false, output: `koji@127.0.0.1:${pg.port}/koji: no secret source to read 'koji-db' from` });
    expect(spy.calls).toHaveLength(0);
  });

  it("a socket directory is refused: this probe tests TCP logins", async () => {
    expect((await check(koji({ host: pg.sockDir }))).output).toMatch(/^invalid props: \/host must match pattern/);
  });
});
