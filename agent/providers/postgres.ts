// PostgreSQL provider: the only place that builds psql / pg_ctl / systemctl argv for the
// postgres-* kinds, runs them through the executor and parses what they print.
// Values never get spliced into SQL unquoted: names travel as psql variables (`-v name=…`,
// used as :"name" / :'name'), and the few literals built here go through quoteLiteral.
// Secrets never go on argv (ps shows it to every user): SQL arrives on stdin, and a login
// password reaches libpq through PGPASSWORD in the child's environment, which only its own
// user and root can read (psql reads a prompted password from /dev/tty, never from stdin).
import { readFile, readdir, stat } from "node:fs/promises";
import * as path from "node:path";
import type { ExecResult, Executor } from "./executor.js";
import { resolveUnderRoot } from "./files.js";

const noNul = (s: string, what: string): string => {
  if (s.includes("\0")) throw new Error(`${what} contains a NUL byte`);
  return s;
};

/** quote_ident(): always quoted, so reserved words and mixed case survive. */
export const quoteIdent = (name: string): string => `"${noNul(name, "identifier").replace(/"/g, '""')}"`;

/** quote_literal(): '' doubling; a value with a backslash uses the E'' form, as the server does. */
export function quoteLiteral(value: string): string {
  const body = noNul(value, "literal").replace(/'/g, "''");
  return value.includes("\\") ? `E'${body.replace(/\\/g, "\\\\")}'` : `'${body}'`;
}

/** A libpq conninfo value ('…' with \ and ' backslash-escaped). */
export const conninfoQuote = (value: string): string => `'${noNul(value, "conninfo value").replace(/[\\']/g, (c) => `\\${c}`)}'`;

/** psql -d expands anything with '=' or a URI prefix as a connection string: quote those. */
const dbnameArg = (name: string): string => (/[=]|^postgres(ql)?:\/\//.test(name) ? `dbname=${conninfoQuote(name)}` : name);

export interface PgConnection {
  /** Unix socket directory or host name/address; libpq's default when absent. */
  host?: string;
  port?: number;
  /** Database for administrative queries (default postgres). */
  database?: string;
  /** OS user psql runs as (runuser -u <user> --), for peer authentication. */
  runAs?: string;
  /** psql program (default "psql"). */
  psql?: string;
}

export interface PsqlRequest {
  connection: PgConnection;
  /** Overrides connection.database. */
  database?: string;
  /** Database role to log in as (-U); libpq's default (the OS user) when absent. */
  user?: string;
  /** psql variables, referenced in the SQL as :"name" (identifier) or :'name' (literal). */
  vars?: Record<string, string>;
  /** SQL sent on stdin (-f -). */
  script?: string;
  /** Or a file psql reads itself (-f path): error messages then name its lines. */
  file?: string;
  singleTransaction?: boolean;
  /** Login password, handed to libpq through the environment. */
  password?: string;
  /** Strings cut out of any error text (secrets and values derived from them). */
  redact?: readonly string[];
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** -X no psqlrc, -w never prompt (a prompt would hang the agent), -qAt bare values. */
export function psqlArgv(req: PsqlRequest): [string, ...string[]] {
  const c = req.connection;
  const argv: string[] = [...(c.runAs ? ["runuser", "-u", c.runAs, "--"] : []), c.psql ?? "psql", "-X", "-w", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"];
  if (req.singleTransaction) argv.push("--single-transaction");
  if (c.host !== undefined) argv.push("-h", c.host);
  if (c.port !== undefined) argv.push("-p", String(c.port));
  if (req.user !== undefined) argv.push("-U", req.user);
  argv.push("-d", dbnameArg(req.database ?? c.database ?? "postgres"));
  for (const [k, v] of Object.entries(req.vars ?? {})) argv.push("-v", `${k}=${noNul(v, `variable ${k}`)}`);
  argv.push("-f", req.file ?? "-");
  return argv as [string, ...string[]];
}

export class PsqlError extends Error {
  override name = "PsqlError";
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/**
 * The server answered the connection with FATAL (no such role or database, password or
 * pg_hba refused it): it is up, but this identity cannot get in yet. psql exits 2 for
 * connection failures; "could not connect" (server down) has no FATAL.
 */
export const isRejectedConnection = (err: unknown): boolean => err instanceof PsqlError && err.exitCode === 2 && /FATAL:/.test(err.stderr);

const STDERR_TAIL = 1_000;
function redacted(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join("[redacted]");
  return out;
}

/** Runs psql; resolves with stdout, rejects with PsqlError (stderr tail, secrets cut out). */
export async function runPsql(exec: Executor, req: PsqlRequest): Promise<string> {
  const argv = psqlArgv(req);
  const env: Record<string, string> = { PGCONNECT_TIMEOUT: "10", ...(req.password !== undefined && { PGPASSWORD: req.password }) };
  // cwd /: psql run as another user may not be allowed into the agent's directory.
  const result = await exec.run({ argv, cwd: "/", env, input: req.script ?? "", timeoutMs: req.timeoutMs ?? 60_000, ...(req.signal && { signal: req.signal }) });
  if (result.exitCode === 0 && !result.timedOut) return result.stdout;
  const secrets = [...(req.redact ?? []), ...(req.password !== undefined ? [req.password] : [])];
  const stderr = redacted(result.stderr.trimEnd(), secrets);
  const how = result.timedOut ? "timed out" : `exited with code ${result.exitCode ?? result.signal}`;
  const who = `${req.user ?? req.connection.runAs ?? "default user"} on ${req.database ?? req.connection.database ?? "postgres"}`;
  const tail = stderr.length <= STDERR_TAIL ? stderr : `…${stderr.slice(-STDERR_TAIL)}`;
  throw new PsqlError(`psql as ${who} ${how}${tail ? `: ${tail}` : ""}`, result.exitCode, stderr);
}

/** A query printing one JSON value per row (row_to_json): null when there is no row. */
export async function queryJson<T>(exec: Executor, req: PsqlRequest): Promise<T | null> {
  const line = (await runPsql(exec, req)).split("\n").find((l) => l.trim() !== "");
  return line === undefined ? null : (JSON.parse(line) as T);
}

/** First line of output, trimmed ("" when none): what a check query returned. */
export const firstValue = async (exec: Executor, req: PsqlRequest): Promise<string> => ((await runPsql(exec, req)).split("\n")[0] ?? "").trim();

// ---- the server process: initdb, status, reload, restart -------------------------------

/** How the server is controlled: its systemd unit, or pg_ctl as the data directory's owner. */
export type ServerControl = { via: "systemd"; service: string } | { via: "pg_ctl"; pgCtl: string; dataDir: string; owner: string };

const asOwner = (c: { owner: string }, argv: string[]): [string, ...string[]] => ["runuser", "-u", c.owner, "--", ...argv];

export function initdbArgv(c: ServerControl): [string, ...string[]] {
  if (c.via === "systemd") return ["postgresql-setup", "--initdb", "--unit", c.service];
  // The same authentication the Koji docs expect: peer on the socket, SCRAM over TCP.
  return asOwner(c, [path.join(path.dirname(c.pgCtl), "initdb"), "-D", c.dataDir, "-E", "UTF8", "--auth-local=peer", "--auth-host=scram-sha-256"]);
}

/** Exit 0 = running (systemctl is-active / pg_ctl status). */
export const statusArgv = (c: ServerControl): [string, ...string[]] =>
  c.via === "systemd" ? ["systemctl", "is-active", "--quiet", c.service] : asOwner(c, [c.pgCtl, "status", "-D", c.dataDir]);

export const reloadArgv = (c: ServerControl): [string, ...string[]] =>
  c.via === "systemd" ? ["systemctl", "reload", c.service] : asOwner(c, [c.pgCtl, "reload", "-D", c.dataDir]);

/**
 * pg_ctl restart needs -l: without it the new postmaster inherits our stdout pipe and the
 * executor would wait for it until the timeout.
 */
export const restartArgv = (c: ServerControl): [string, ...string[]] =>
  c.via === "systemd"
    ? ["systemctl", "restart", c.service]
    : asOwner(c, [c.pgCtl, "restart", "-D", c.dataDir, "-m", "fast", "-w", "-l", path.join(c.dataDir, "koji-fleet-pg_ctl.log")]);

/** How the reload/restart line in a diff shows the command. */
export const describeControl = (c: ServerControl, action: "reload" | "restart"): string =>
  c.via === "systemd" ? `systemctl ${action} ${c.service}` : `pg_ctl ${action} -D ${c.dataDir}`;

const tail = (text: string): string => {
  const t = text.trimEnd();
  return t.length <= STDERR_TAIL ? t : `…${t.slice(-STDERR_TAIL)}`;
};

export async function serverRunning(exec: Executor, c: ServerControl, signal?: AbortSignal): Promise<boolean> {
  const r = await exec.run({ argv: statusArgv(c), cwd: "/", timeoutMs: 30_000, ...(signal && { signal }) });
  if (r.timedOut) throw new Error(`${statusArgv(c).join(" ")} timed out`);
  return r.exitCode === 0;
}

/** Runs initdb/reload/restart; a failure carries stderr and, for a unit, its last journal lines. */
export async function controlServer(exec: Executor, c: ServerControl, action: "initdb" | "reload" | "restart", signal?: AbortSignal): Promise<void> {
  const argv = action === "initdb" ? initdbArgv(c) : action === "reload" ? reloadArgv(c) : restartArgv(c);
  const r: ExecResult = await exec.run({ argv, cwd: "/", timeoutMs: 300_000, ...(signal && { signal }) });
  if (r.exitCode === 0 && !r.timedOut) return;
  let why = tail(r.stderr || r.stdout);
  if (c.via === "systemd" && action !== "initdb") {
    const j = await exec.run({ argv: ["journalctl", "-u", c.service, "-n", "10", "--no-pager", "-o", "cat"], timeoutMs: 10_000 }).catch(() => null);
    if (j?.exitCode === 0 && j.stdout.trim()) why += `\njournal:\n${tail(j.stdout)}`;
  }
  throw new Error(`${argv.join(" ")} ${r.timedOut ? "timed out" : `exited with code ${r.exitCode}`}${why ? `: ${why}` : ""}`);
}

/** runuser needs a name: the data directory's owner uid → its passwd entry. */
export async function userNameOf(uid: number, passwd = "/etc/passwd"): Promise<string> {
  for (const line of (await readFile(passwd, "utf8")).split("\n")) {
    const [name, , id] = line.split(":");
    if (name && id === String(uid)) return name;
  }
  throw new Error(`uid ${uid} has no entry in ${passwd}`);
}

// ---- schema files: a glob such as /usr/share/doc/koji*/docs/schema.sql ----------------

const segmentRegex = (seg: string): RegExp =>
  new RegExp(`^${seg.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")}$`);

/**
 * Catalog paths of the regular files matching `pattern` (`*` and `?` within one path
 * segment), looked up under root. Read-only; here because Files has no readdir.
 */
export async function globUnderRoot(root: string, pattern: string): Promise<string[]> {
  resolveUnderRoot(root, pattern); // refuses relative paths and '..'
  let found = ["/"];
  for (const seg of pattern.split("/").filter(Boolean)) {
    const next: string[] = [];
    for (const dir of found) {
      if (!/[*?]/.test(seg)) {
        next.push(path.posix.join(dir, seg));
        continue;
      }
      const names = await readdir(resolveUnderRoot(root, dir)).catch(() => [] as string[]);
      const re = segmentRegex(seg);
      next.push(...names.filter((n) => re.test(n) && !n.startsWith(".")).sort().map((n) => path.posix.join(dir, n)));
    }
    found = next;
  }
  const isFile = await Promise.all(found.map((p) => stat(resolveUnderRoot(root, p)).then((st) => st.isFile(), () => false)));
  return found.filter((_, i) => isFile[i]);
}
