import * as fs from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from "vitest";
import { RecordingExecutor, type ExecRequest } from "../../providers/executor.js";
import { postgresClusterKind as kind, type PostgresClusterProps } from "./cluster.js";
import { postgresDatabaseKind } from "./database.js";
import { postgresRoleKind } from "./role.js";
import { postgresSqlKind } from "./sql.js";
import { loginOverTcp, spyExecutor, startCluster, type TestCluster } from "../../../test/support/postgres-cluster.js";
import { EL10, expectNoopMatchesApply, kindContext, tempRoot } from "../../../test/support/kinds.js";

const HBA = "# TYPE DATABASE USER ADDRESS METHOD\n\nlocal all all peer\nhost all all 127.0.0.1/32 ident\n";
const CONF = "max_connections = 100\n";
const PROPS: PostgresClusterProps = {
  settings: { listen_addresses: "*", password_encryption: "scram-sha-256", timezone: "UTC" },
  hba: [{ type: "host", database: "koji", user: "koji", address: "10.0.0.5/32", method: "scram-sha-256" }],
};
const argvs = (calls: ExecRequest[]) => calls.map((c) => c.argv.join(" "));

describe("postgres-cluster on EL with systemd (replayed commands)", () => {
  let root: string;
  let data: string;
  beforeEach(() => {
    root = tempRoot();
    data = join(root, "var/lib/pgsql/data");
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  /** What postgresql-setup --initdb leaves behind. */
  const fakeInitdb = () => {
    fs.mkdirSync(data, { recursive: true, mode: 0o700 });
    fs.writeFileSync(join(data, "PG_VERSION"), "16\n");
    fs.writeFileSync(join(data, "postgresql.conf"), CONF, { mode: 0o600 });
    fs.writeFileSync(join(data, "pg_hba.conf"), HBA, { mode: 0o600 });
  };

  it("no PG_VERSION → postgresql-setup --initdb --unit postgresql, files written, stopped server not signalled", async () => {
    const exec = new RecordingExecutor((req) => {
      if (req.argv[0] === "postgresql-setup") return (fakeInitdb(), {});
      if (req.argv.join(" ") === "systemctl is-active --quiet postgresql") return { exitCode: 3 };
      return undefined;
    });
    const lines = await expectNoopMatchesApply(kind, PROPS, kindContext(root, { exec, sandbox: false, facts: EL10 }));
    expect(lines).toEqual([
      "initialize /var/lib/pgsql/data (PG_VERSION is absent)",
      "koji-fleet.conf: listen_addresses (unset) → '*' (needs restart)",
      "koji-fleet.conf: password_encryption (unset) → 'scram-sha-256'",
      "koji-fleet.conf: timezone (unset) → 'UTC'",
      "postgresql.conf: append include_if_exists = 'koji-fleet.conf'",
      "pg_hba.conf: + host koji koji 10.0.0.5/32 scram-sha-256",
    ]);
    expect(argvs(exec.calls)).toEqual(["postgresql-setup --initdb --unit postgresql", "systemctl is-active --quiet postgresql", "systemctl is-active --quiet postgresql"]);
    expect(fs.readFileSync(join(data, "postgresql.conf"), "utf8")).toBe(`${CONF}include_if_exists = 'koji-fleet.conf'\n`);
    expect(fs.readFileSync(join(data, "pg_hba.conf"), "utf8")).toBe(
      "# TYPE DATABASE USER ADDRESS METHOD\n\n# BEGIN koji-fleet\nhost koji koji 10.0.0.5/32 scram-sha-256\n# END koji-fleet\nlocal all all peer\nhost all all 127.0.0.1/32 ident\n",
    );
    expect(fs.statSync(join(data, "koji-fleet.conf")).mode & 0o777).toBe(0o600);
  });

  it.each([
    ["pg_hba change on a running server → systemctl reload postgresql", { ...PROPS, settings: { timezone: "UTC" } }, "reload: systemctl reload postgresql", "systemctl reload postgresql"],
    ["listen_addresses change → systemctl restart postgresql", PROPS, "restart (listen_addresses needs it): systemctl restart postgresql", "systemctl restart postgresql"],
  ])("%s", async (_n, props, line, command) => {
    fakeInitdb();
    const exec = new RecordingExecutor((req) => (req.argv[0] === "systemctl" ? {} : undefined));
    const lines = await expectNoopMatchesApply(kind, { ...props, service: "postgresql" }, kindContext(root, { exec, sandbox: false }));
    expect(lines.at(-1)).toBe(line);
    expect(argvs(exec.calls).filter((a) => !a.includes("is-active"))).toEqual([command]);
  });

  it("failed reload → error with stderr and the unit's last journal lines", async () => {
    fakeInitdb();
    const exec = new RecordingExecutor([
      { argv: ["systemctl", "is-active", "--quiet", "postgresql"] },
      { argv: ["systemctl", "reload", "postgresql"], result: { exitCode: 1, stderr: "Job for postgresql.service failed." } },
      { argv: ["journalctl", "-u", "postgresql", "-n", "10", "--no-pager", "-o", "cat"], result: { stdout: "LOG:  invalid line 3 in pg_hba.conf\n" } },
    ]);
    const ctx = kindContext(root, { exec, sandbox: false });
    const props = { hba: PROPS.hba! };
    await expect(kind.apply(props, await kind.observe(props, ctx), ctx)).rejects.toThrow(/systemctl reload postgresql exited with code 1: Job for postgresql.service failed.\njournal:\nLOG: {2}invalid line 3/);
  });

  it.each([
    ["initdb false and no PG_VERSION", { initdb: false }, /not initialized \(no PG_VERSION\) and initdb is false/],
    ["local rule with an address", { hba: [{ type: "local" as const, database: "all", user: "all", address: "10.0.0.1/32", method: "peer" as const }] }, /local rules take no address/],
    ["host rule without an address", { hba: [{ type: "host" as const, database: "all", user: "all", method: "reject" as const }] }, /host rules need an address/],
  ])("%s → observe refuses", async (_n, props, error) => {
    await expect(kind.observe(props, kindContext(root, { exec: new RecordingExecutor([]), sandbox: false }))).rejects.toThrow(error);
  });
});

describe("all postgres-* kinds", () => {
  const conn = { host: "/run/postgresql", port: 5432, runAs: "postgres" };
  it.each([
    [kind.summary!(PROPS), "PostgreSQL cluster /var/lib/pgsql/data: 3 settings, 1 pg_hba rules"],
    [postgresRoleKind.summary!({ name: "koji", connection: conn }), "PostgreSQL role koji on /run/postgresql:5432/postgres"],
    [postgresDatabaseKind.summary!({ name: "koji", owner: "koji", connection: conn }), "PostgreSQL database koji owned by koji on /run/postgresql:5432/postgres"],
    [postgresSqlKind.summary!({ file: "/usr/share/koji/schema.sql", database: "koji", runAs: { role: "koji" }, check: "SELECT 1", connection: conn }), "load /usr/share/koji/schema.sql as koji into /run/postgresql:5432/koji"],
  ])("summary: %s", (got, want) => expect(got).toBe(want));

  it("manage the OS: EL and Fedora only, never applied in sandbox", () => {
    for (const k of [kind, postgresRoleKind, postgresDatabaseKind, postgresSqlKind]) expect([k.platforms, k.appliesInSandbox]).toEqual([["el", "fedora"], false]);
  });
});

describe("postgres-cluster with pg_ctl on a real server", () => {
  let pg: TestCluster;
  beforeAll(async () => {
    pg = await startCluster();
  });
  afterAll(() => pg?.stop());

  it("settings + pg_hba: block inside the markers before the defaults, rest untouched, restart then reload", async () => {
    const hbaBefore = fs.readFileSync(join(pg.dataDir, "pg_hba.conf"), "utf8");
    const confBefore = fs.readFileSync(join(pg.dataDir, "postgresql.conf"), "utf8");
    const started = pg.sql("SELECT pg_postmaster_start_time()");
    const props: PostgresClusterProps = {
      dataDir: pg.dataDir, pgCtl: pg.pgCtl,
      settings: { listen_addresses: "127.0.0.1", password_encryption: "scram-sha-256", timezone: "UTC" },
      hba: [{ type: "local", database: "all", user: "postgres", method: "peer" }, { type: "host", database: "all", user: "kf_blocked", address: "127.0.0.1/32", method: "reject" }],
    };
    const spy = spyExecutor();
    const ctx = kindContext("/", { exec: spy.exec, sandbox: false });
    const lines = await expectNoopMatchesApply(kind, props, ctx);
    expect(lines.at(-1)).toBe(`restart (listen_addresses needs it): pg_ctl restart -D ${pg.dataDir}`);
    expect(argvs(spy.calls).filter((a) => !a.includes(" status "))).toEqual([`runuser -u postgres -- ${pg.pgCtl} restart -D ${pg.dataDir} -m fast -w -l ${pg.dataDir}/koji-fleet-pg_ctl.log`]);
    expect(pg.sql("SELECT pg_postmaster_start_time()")).not.toBe(started);
    expect(pg.sql("SHOW timezone")).toBe("UTC\n");

    const block = "# BEGIN koji-fleet\nlocal all postgres peer\nhost all kf_blocked 127.0.0.1/32 reject\n# END koji-fleet\n";
    const firstRule = hbaBefore.search(/^local/m);
    expect(fs.readFileSync(join(pg.dataDir, "pg_hba.conf"), "utf8")).toBe(hbaBefore.slice(0, firstRule) + block + hbaBefore.slice(firstRule));
    expect(fs.readFileSync(join(pg.dataDir, "postgresql.conf"), "utf8")).toBe(`${confBefore}include_if_exists = 'koji-fleet.conf'\n`);
    expect(pg.sql("SELECT user_name[1] || ' ' || auth_method FROM pg_hba_file_rules ORDER BY line_number LIMIT 2")).toBe("postgres peer\nkf_blocked reject\n");
    pg.sql("CREATE ROLE kf_blocked LOGIN PASSWORD 'x'; CREATE ROLE kf_later LOGIN PASSWORD 'x'");
    expect(loginOverTcp(pg, "kf_blocked", "x", "postgres").out).toMatch(/pg_hba.conf rejects connection/);
    expect(loginOverTcp(pg, "kf_later", "x", "postgres").ok).toBe(true);

    // A new rule only: reload (SIGHUP), and the running server enforces it right away.
    spy.calls.length = 0;
    const more = { ...props, hba: [...props.hba!, { type: "host" as const, database: "all", user: "kf_later", address: "127.0.0.1/32", method: "reject" as const }] };
    expect(await expectNoopMatchesApply(kind, more, ctx)).toEqual(["pg_hba.conf: + host all kf_later 127.0.0.1/32 reject", `reload: pg_ctl reload -D ${pg.dataDir}`]);
    expect(argvs(spy.calls).filter((a) => !a.includes(" status "))).toEqual([`runuser -u postgres -- ${pg.pgCtl} reload -D ${pg.dataDir}`]);
    await expect.poll(() => loginOverTcp(pg, "kf_later", "x", "postgres").out, { timeout: 5_000 }).toMatch(/pg_hba.conf rejects connection/);
  });

  it("empty data directory → real initdb as its owner, files written, nothing signalled", async () => {
    const dataDir = join(pg.dir, "fresh");
    fs.mkdirSync(dataDir, { mode: 0o700 });
    fs.chownSync(dataDir, fs.statSync(pg.dataDir).uid, fs.statSync(pg.dataDir).gid);
    const spy = spyExecutor();
    const props: PostgresClusterProps = { dataDir, pgCtl: pg.pgCtl, settings: { timezone: "UTC" }, hba: [{ type: "local", database: "all", user: "all", method: "peer" }] };
    const lines = await expectNoopMatchesApply(kind, props, kindContext("/", { exec: spy.exec, sandbox: false }));
    expect(lines[0]).toBe(`initialize ${dataDir} (PG_VERSION is absent)`);
    expect(spy.calls[0]!.argv).toEqual(["runuser", "-u", "postgres", "--", join(pg.bin, "initdb"), "-D", dataDir, "-E", "UTF8", "--auth-local=peer", "--auth-host=scram-sha-256"]);
    expect(argvs(spy.calls.slice(1)).every((a) => a.endsWith(`status -D ${dataDir}`))).toBe(true);
    const st = fs.statSync(join(dataDir, "koji-fleet.conf"));
    expect([st.uid, st.mode & 0o777]).toEqual([fs.statSync(dataDir).uid, 0o600]);
  });
});
