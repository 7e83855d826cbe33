// The compiled database role converged FOR REAL: the postgres-* resources of cs10-koji-01's
// catalog, run twice by the agent's engine against a throwaway PostgreSQL cluster, then the
// hub's view: its hub.conf.d password logs in as koji over TCP with SCRAM and finds the admin.
// Adjusted for the test cluster only (support/database-role.ts), with a small schema of our own
// standing in for Koji's (test/koji loads the real one). The package set and the systemd
// service are left out: the test cluster is installed and started by postgres-testing.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Resource } from "../shared/protocol.js";
import type { ConvergeReport } from "../agent/engine/converge.js";
import { loginOverTcp, startCluster, type TestCluster } from "./support/postgres-cluster.js";
import { staticSecrets } from "../agent/secrets.js";
import { compiled } from "./support/compiled-fleet.js";
import { parseIni } from "../controller/compile/ini.js";
import { convergeDatabaseRole, databaseRoleResources } from "./support/database-role.js";

const SCHEMA_FIXTURE = fileURLToPath(new URL("./testdata/koji-mini-schema.sql", import.meta.url));
const PASSWORD = "k0ji-db 'secret' %with quotes";
const secrets = staticSecrets({ "koji-db-password": PASSWORD });
const c = compiled();
const DB = "cs10-koji-01";

let pg: TestCluster;
let tmp: string;
let resources: Resource[];

const run = (previous: ConvergeReport["inventory"] = []) => convergeDatabaseRole(resources, secrets, previous);

beforeAll(async () => {
  pg = await startCluster();
  tmp = mkdtempSync(join(tmpdir(), "kf-dbrole-"));
  resources = databaseRoleResources(c, DB, pg, tmp, SCHEMA_FIXTURE);
}, 60_000);
afterAll(() => {
  pg?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("database role on a real PostgreSQL", () => {
  let first: ConvergeReport;

  it("converges the compiled cluster, role, database, schema and admin in one run", async () => {
    expect(resources.map((r) => r.id).sort()).toEqual([
      `directory:${tmp}/sql`, `file:${tmp}/sql/bootstrap-admin.sql`, "postgres-cluster:/var/lib/pgsql/data",
      "postgres-database:koji", "postgres-role:koji", "postgres-sql:koji-bootstrap-admin", "postgres-sql:koji-schema",
    ]);
    first = await run();
    expect(first.results.filter((r) => r.outcome !== "changed").map((r) => `${r.id}: ${r.outcome} ${r.error ?? ""}`)).toEqual([]);
    expect(pg.sql("SELECT name || ' ' || status || ' ' || usertype FROM users", "koji")).toBe("kojiadmin 0 0\n");
    expect(pg.sql("SELECT u.name || ' ' || p.name FROM user_perms up JOIN users u ON u.id = up.user_id JOIN permissions p ON p.id = up.perm_id", "koji")).toBe("kojiadmin admin\n");
  }, 120_000);

  it("the second run changes nothing (schema and admin guarded, settings and rules in place)", async () => {
    const second = await run(first.inventory);
    expect(second.results.map((r) => `${r.id}: ${r.outcome}`)).toEqual(second.results.map((r) => `${r.id}: unchanged`));
    expect(pg.sql("SELECT count(*) FROM user_perms", "koji")).toBe("1\n");
  }, 120_000);

  it("every schema object is owned by koji (pitfall 6); the server runs in UTC with the hub's scram rule", () => {
    expect(pg.sql("SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace = 'public'::regnamespace", "koji")).toBe("koji\n");
    expect(pg.sql("SHOW timezone")).toBe("UTC\n");
    const rules = pg.sql("SELECT type || ' ' || array_to_string(database, ',') || ' ' || array_to_string(user_name, ',') || ' ' || coalesce(address, '') || ' ' || auth_method FROM pg_hba_file_rules ORDER BY line_number LIMIT 3");
    expect(rules).toBe("local all postgres  peer\nhost koji koji 127.0.0.1 scram-sha-256\nhost koji koji 192.168.122.10 scram-sha-256\n");
  });

  it("the hub's DBPass (its secret-file rendered with the same secret) logs in as koji over TCP with SCRAM", async () => {
    const dropIn = c.resource("cs10-koji-00", "secret-file:/etc/koji-hub/hub.conf.d/koji-fleet-secrets.conf");
    const template = String(dropIn.props.template);
    const rendered = template.replace(/\{\{secret:([a-z0-9-]+)\}\}/g, (_m, name: string) => (name === "koji-db-password" ? PASSWORD : "?"));
    const hubConf = parseIni(c.content("cs10-koji-00", "/etc/koji-hub/hub.conf")).hub!;
    const dbPass = parseIni(rendered).hub!.DBPass!;
    expect(dbPass).toBe(PASSWORD);
    expect(loginOverTcp(pg, hubConf.DBUser!, dbPass, hubConf.DBName!, "SELECT current_user || ' ' || count(*) FROM users WHERE name = 'kojiadmin'")).toEqual({ ok: true, out: "koji 1" });
    expect(pg.sql("SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = 'koji'")).toBe("t\n");
    expect(loginOverTcp(pg, "koji", "wrong", "koji").ok).toBe(false);
  });
});
