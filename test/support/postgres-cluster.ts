// Test support for the postgres-* kinds: a throwaway PostgreSQL cluster per test file (its
// own socket directory, 127.0.0.1 on a free port, fsync off) and an executor that runs
// commands for real while recording them, so tests assert what was (not) run.
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { freePort } from "./net.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createExecutor, type ExecRequest, type Executor } from "../../agent/providers/executor.js";
import type { PgConnection } from "../../agent/providers/postgres.js";

const BIN_DIRS = [process.env.KF_PG_BIN, "/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin", "/usr/pgsql-16/bin", "/usr/bin"];

export interface TestCluster {
  dir: string;
  dataDir: string;
  /** Unix socket directory. */
  sockDir: string;
  port: number;
  bin: string;
  pgCtl: string;
  /** Superuser over the socket with peer authentication (runuser -u postgres). */
  admin: PgConnection;
  /** psql as postgres; stdout. */
  sql(script: string, database?: string): string;
  stop(): void;
}

function findBin(): string {
  const bin = BIN_DIRS.find((d) => d && existsSync(join(d, "initdb")) && existsSync(join(d, "pg_ctl")));
  if (!bin) throw new Error("PostgreSQL server binaries not found: install postgresql-server (EL) or postgresql (Debian), or set KF_PG_BIN");
  if (process.getuid?.() !== 0) throw new Error("postgres tests run initdb as user postgres through runuser: run them as root");
  return bin;
}

const asPostgres = (argv: string[], input?: string): string =>
  execFileSync("runuser", ["-u", "postgres", "--", ...argv], { cwd: "/", encoding: "utf8", input: input ?? "", stdio: ["pipe", "pipe", "pipe"] });

const running = new Set<TestCluster>();
process.on("exit", () => {
  for (const c of running) c.stop();
});

export interface ClusterOptions {
  /** Default: a free port. */
  port?: number;
  /** listen_addresses; default 127.0.0.1. */
  listen?: string;
  /** Where the server runs: pg_ctl start's argv is wrapped (e.g. nsenter into a network namespace). */
  wrap?: (argv: string[]) => string[];
}

export async function startCluster(opts: ClusterOptions = {}): Promise<TestCluster> {
  const bin = findBin();
  const wrap = opts.wrap ?? ((argv: string[]) => argv);
  const dir = mkdtempSync(join(tmpdir(), "kf-pg-"));
  chmodSync(dir, 0o755); // postgres must reach the data and socket directories
  chownSync(dir, Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })), -1);
  const [dataDir, sockDir, port] = [join(dir, "data"), dir, opts.port ?? (await freePort())];
  asPostgres([join(bin, "initdb"), "-D", dataDir, "-U", "postgres", "-E", "UTF8", "--locale=C", "--auth-local=peer", "--auth-host=scram-sha-256", "--no-sync"]);
  const serverOpts = `-c listen_addresses=${opts.listen ?? "127.0.0.1"} -p ${port} -k ${sockDir} -c fsync=off -c full_page_writes=off -c synchronous_commit=off`;
  const start = ["runuser", "-u", "postgres", "--", join(bin, "pg_ctl"), "-D", dataDir, "-w", "-l", join(dir, "server.log"), "-o", serverOpts, "start"];
  const [cmd, ...args] = wrap(start);
  execFileSync(cmd!, args, { cwd: "/", stdio: ["ignore", "pipe", "pipe"] });
  const cluster: TestCluster = {
    dir, dataDir, sockDir, port, bin,
    pgCtl: join(bin, "pg_ctl"),
    admin: { host: sockDir, port, runAs: "postgres" },
    sql: (script, database = "postgres") => asPostgres(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", sockDir, "-p", String(port), "-d", database], script),
    stop() {
      running.delete(cluster);
      try {
        asPostgres([join(bin, "pg_ctl"), "-D", dataDir, "-m", "immediate", "stop"]);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(cluster);
  return cluster;
}

/** Runs commands for real and records each request. */
export function spyExecutor(): { exec: Executor; calls: ExecRequest[] } {
  const real = createExecutor();
  const calls: ExecRequest[] = [];
  return { calls, exec: { run: (req) => (calls.push(req), real.run(req)) } };
}

/** psql as a login role over TCP 127.0.0.1 with a password (env, never argv): exit code and output. */
export function loginOverTcp(c: TestCluster, user: string, password: string, database: string, sql = "SELECT current_user"): { ok: boolean; out: string } {
  try {
    const out = execFileSync("psql", ["-X", "-w", "-A", "-t", "-h", "127.0.0.1", "-p", String(c.port), "-U", user, "-d", database, "-c", sql], {
      encoding: "utf8", env: { ...process.env, PGPASSWORD: password, PGSSLMODE: "disable" }, stdio: ["ignore", "pipe", "pipe"],
    });
    return { ok: true, out: out.trim() };
  } catch (err) {
    return { ok: false, out: String((err as { stderr?: string }).stderr ?? err) };
  }
}
