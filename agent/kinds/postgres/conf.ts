// Pure text handling for postgres-cluster: the settings file koji-fleet owns, the one include
// line in postgresql.conf, and the managed block in pg_hba.conf. Everything outside what we
// own is kept byte for byte.
import { findBlock, spliceBlock, splitLines } from "../managed-block.js";

export type SettingValue = string | number | boolean;

export const SETTINGS_FILE = "koji-fleet.conf";
export const INCLUDE_LINE = `include_if_exists = '${SETTINGS_FILE}'`;
const HEADER = "# Managed by koji-fleet (postgres-cluster); edits are overwritten.\n";

/**
 * Settings read only at server start (pg_settings.context = 'postmaster'): changing them
 * needs a restart, a reload leaves the old value (and pending_restart) in place.
 */
export const RESTART_SETTINGS: ReadonlySet<string> = new Set([
  "listen_addresses", "port", "max_connections", "reserved_connections", "superuser_reserved_connections",
  "unix_socket_directories", "unix_socket_group", "unix_socket_permissions", "bonjour", "bonjour_name",
  "shared_buffers", "shared_memory_type", "huge_pages", "huge_page_size", "dynamic_shared_memory_type",
  "min_dynamic_shared_memory", "max_prepared_transactions", "max_files_per_process", "max_locks_per_transaction",
  "max_pred_locks_per_transaction", "shared_preload_libraries", "max_worker_processes", "max_logical_replication_workers",
  "autovacuum_max_workers", "wal_level", "wal_buffers", "wal_log_hints", "max_wal_senders", "max_replication_slots",
  "track_commit_timestamp", "archive_mode", "hot_standby", "logging_collector", "event_source",
  "old_snapshot_threshold", "data_directory", "config_file", "hba_file", "ident_file", "external_pid_file",
]);

/** postgresql.conf syntax: strings single-quoted ('' and \\ escaped), booleans on/off. */
export function renderValue(v: SettingValue): string {
  if (typeof v === "boolean") return v ? "on" : "off";
  if (typeof v === "number") return String(v);
  return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

export const renderSettings = (settings: Record<string, SettingValue>): string =>
  HEADER + Object.entries(settings).map(([k, v]) => `${k} = ${renderValue(v)}\n`).join("");

/** name → value text as written, for a file we rendered (no trailing comments). */
export function parseSettings(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=?\s*(.*?)\s*$/.exec(line);
    if (m && !line.trimStart().startsWith("#")) out.set(m[1]!.toLowerCase(), m[2]!);
  }
  return out;
}

export interface SettingsPlan {
  lines: string[];
  /** Changed settings that only a restart applies. */
  restartFor: string[];
  /** The file has to be (re)written. */
  write: boolean;
}

export function planSettings(settings: Record<string, SettingValue>, live: string | null): SettingsPlan {
  const want = renderSettings(settings);
  if (live === want) return { lines: [], restartFor: [], write: false };
  const have = parseSettings(live ?? "");
  const lines: string[] = [];
  const restartFor: string[] = [];
  const note = (k: string, line: string) => {
    const restart = RESTART_SETTINGS.has(k);
    if (restart) restartFor.push(k);
    lines.push(`${SETTINGS_FILE}: ${line}${restart ? " (needs restart)" : ""}`);
  };
  for (const [k, v] of Object.entries(settings)) {
    const value = renderValue(v);
    if (have.get(k) !== value) note(k, `${k} ${have.get(k) ?? "(unset)"} → ${value}`);
  }
  for (const [k, v] of have) if (!(k in settings)) note(k, `${k} ${v} → (unset)`);
  if (lines.length === 0) lines.push(`${SETTINGS_FILE}: rewrite (settings unchanged)`);
  return { lines, restartFor, write: true };
}

const lineEnd = (text: string): string => (text === "" || text.endsWith("\n") ? "" : "\n");

export const hasInclude = (conf: string): boolean =>
  conf.split("\n").some((l) => /^\s*include_if_exists\s*=?\s*'koji-fleet\.conf'\s*(#.*)?$/.test(l));

/** Appended last, so our settings win over the distribution's earlier lines. */
export const withInclude = (conf: string): string => `${conf}${lineEnd(conf)}${INCLUDE_LINE}\n`;

// ---- pg_hba.conf -------------------------------------------------------------------------

export interface HbaRule {
  type: "local" | "host" | "hostssl";
  database: string;
  user: string;
  address?: string;
  method: string;
}

export const renderRule = (r: HbaRule): string => [r.type, r.database, r.user, ...(r.address !== undefined ? [r.address] : []), r.method].join(" ");

const isRule = (line: string): boolean => line.trim() !== "" && !line.trimStart().startsWith("#");

const HBA_FILE = "pg_hba.conf";

/**
 * pg_hba.conf is first-match: the block goes before the first rule of the file so it wins
 * over the distribution's defaults ("local all all peer", "host all all … ident").
 */
export const spliceHba = (text: string, rules: readonly HbaRule[]): string => spliceBlock(text, HBA_FILE, rules.map(renderRule), (others) => others.findIndex(isRule));

/** Diff lines: rules added/removed inside the block, or the block moving ahead of a rule. */
export function hbaChanges(text: string, rules: readonly HbaRule[]): string[] {
  const lines = splitLines(text);
  const block = findBlock(lines, HBA_FILE);
  const have = (block?.body ?? []).filter(isRule).map((l) => l.trim().split(/\s+/).join(" "));
  const want = rules.map(renderRule);
  const out = [...have.filter((r) => !want.includes(r)).map((r) => `pg_hba.conf: - ${r}`), ...want.filter((r) => !have.includes(r)).map((r) => `pg_hba.conf: + ${r}`)];
  if (out.length === 0 && have.join("\n") !== want.join("\n")) out.push("pg_hba.conf: reorder the koji-fleet rules");
  if (block && lines.slice(0, block.begin).some(isRule)) out.push("pg_hba.conf: move the koji-fleet block before the first rule");
  if (out.length === 0 && spliceHba(text, rules) !== text) out.push("pg_hba.conf: rewrite the koji-fleet block");
  return out;
}
