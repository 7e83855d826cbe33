// exports(5)/exportfs provider of the `nfs-export` kind (nfs-utils 2.x). The line for one
// path in an /etc/exports.d file is edited as text (pure functions); the export table in
// use is read with `exportfs -v` (which prints /var/lib/nfs/etab, what rpc.mountd answers
// clients from) and reloaded from all exports files with `exportfs -ra`.
import { runTool, type ToolContext } from "./checked-run.js";

export interface ExportClient {
  host: string;
  options: string[];
}
export interface ExportLine {
  path: string;
  clients: ExportClient[];
}
/** One row of the export table: a path exported to one client. */
export interface TableEntry {
  path: string;
  host: string;
  options: string[];
}

const unescape = (f: string): string => f.replace(/^"(.*)"$/, "$1").replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
const escape = (f: string): string => f.replace(/[\\\s"#]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`);

/** Pure: a logical exports line → path and clients; a "-opts" token is merged into the clients after it. */
export function parseExportLine(line: string): ExportLine | null {
  const tokens = line.replace(/#.*$/, "").trim().split(/\s+/).filter(Boolean);
  if (tokens.length === 0) return null;
  let defaults: string[] = [];
  const clients: ExportClient[] = [];
  for (const tok of tokens.slice(1)) {
    if (tok.startsWith("-")) defaults = tok.slice(1).split(",").filter(Boolean);
    else {
      const m = /^([^(]*)(?:\(([^)]*)\))?$/.exec(tok);
      clients.push({ host: m?.[1] || "*", options: [...defaults, ...(m?.[2] ?? "").split(",").filter(Boolean)] });
    }
  }
  return { path: unescape(tokens[0]!), clients };
}

export const renderExportLine = (e: ExportLine): string => [escape(e.path), ...e.clients.map((c) => `${c.host}(${c.options.join(",")})`)].join(" ");

/** Physical lines grouped into logical ones (a trailing backslash continues a line). */
function logicalLines(text: string): { raw: string; joined: string }[] {
  const out: { raw: string; joined: string }[] = [];
  let raw: string[] = [];
  for (const line of text.replace(/\n$/, "").split("\n")) {
    raw.push(line);
    if (line.endsWith("\\")) continue;
    out.push({ raw: raw.join("\n"), joined: raw.map((l) => l.replace(/\\$/, "")).join(" ") });
    raw = [];
  }
  if (raw.length > 0) out.push({ raw: raw.join("\n"), joined: raw.join(" ") });
  return text === "" ? [] : out;
}

/** Pure: the lines of `text` that export `path`. */
export const exportLinesFor = (text: string, path: string): ExportLine[] =>
  logicalLines(text).map((l) => parseExportLine(l.joined)).filter((e): e is ExportLine => e !== null && e.path === path);

const sameLine = (a: ExportLine, b: ExportLine): boolean => JSON.stringify(a) === JSON.stringify(b);
export const exportsHas = (text: string, want: ExportLine): boolean => {
  const found = exportLinesFor(text, want.path);
  return found.length === 1 && sameLine(found[0]!, want);
};

/** Pure: `text` with the line for `path` set to `want` (null removes it); other lines kept byte for byte. */
export function editExports(text: string, path: string, want: ExportLine | null, header: string): string {
  const out: string[] = text === "" ? [header] : [];
  let placed = false;
  for (const l of logicalLines(text)) {
    if (parseExportLine(l.joined)?.path !== path) out.push(l.raw);
    else if (want && !placed) {
      out.push(renderExportLine(want));
      placed = true;
    }
  }
  if (want && !placed) out.push(renderExportLine(want));
  return `${out.join("\n")}\n`;
}

/**
 * Pure: `exportfs -v` → table rows. Each row is "%-14s\t%s(opts)"; a path longer than 14
 * characters is printed alone and its client follows on the next line after two tabs. An
 * export to everyone prints as "<world>" (kept as "*", the exports-file spelling).
 */
export function parseExportfsV(stdout: string): TableEntry[] {
  const out: TableEntry[] = [];
  let path: string | null = null;
  for (const line of stdout.split("\n")) {
    if (line.trim() === "") continue;
    const cont = /^\s/.test(line);
    const parts = line.trim().split(/\s+/);
    if (!cont) path = parts.shift()!;
    const client = parts[0];
    if (path === null || client === undefined) continue;
    const m = /^([^(]+)(?:\(([^)]*)\))?$/.exec(client);
    const host = m?.[1] === "<world>" ? "*" : (m?.[1] ?? client);
    out.push({ path, host, options: (m?.[2] ?? "").split(",").filter(Boolean) });
  }
  return out;
}

/** Options the table shows only when set, by the word it shows then; aliases by their shown form. */
const SHOWN_INVERSE: Record<string, string> = { subtree_check: "no_subtree_check", acl: "no_acl", auth_nlm: "insecure_locks", secure_locks: "insecure_locks", nocrossmnt: "crossmnt" };
const ALIAS: Record<string, string> = { no_auth_nlm: "insecure_locks", mp: "mountpoint" };

/** Pure: the wanted options a table row does not show. */
export function lackingOptions(wanted: readonly string[], live: readonly string[]): string[] {
  return wanted.filter((o) => {
    const inverse = SHOWN_INVERSE[o];
    if (inverse !== undefined) return live.includes(inverse);
    return !live.includes(ALIAS[o] ?? o);
  });
}

/** Pure: how the table differs from what `want` exports at `path` (want null: nothing at path). */
export function tableDifferences(path: string, want: ExportLine | null, table: readonly TableEntry[]): string[] {
  const rows = table.filter((r) => r.path === path);
  const key = (h: string) => h.toLowerCase();
  const lines: string[] = [];
  for (const c of want?.clients ?? []) {
    const row = rows.find((r) => key(r.host) === key(c.host));
    if (!row) lines.push(`export table: ${path} not exported to ${c.host}`);
    else {
      const lacking = lackingOptions(c.options, row.options);
      if (lacking.length > 0) lines.push(`export table: ${path} to ${c.host} lacks ${lacking.join(",")}`);
    }
  }
  for (const r of rows) if (!want?.clients.some((c) => key(c.host) === key(r.host))) lines.push(`export table: ${path} still exported to ${r.host}`);
  return lines;
}

export const exportfsListArgv = (): [string, ...string[]] => ["/usr/sbin/exportfs", "-v"];
export const exportfsReloadArgv = (): [string, ...string[]] => ["/usr/sbin/exportfs", "-ra"];

export const readExportTable = async (t: ToolContext): Promise<TableEntry[]> => parseExportfsV((await runTool(t, exportfsListArgv(), { pkg: "nfs-utils" })).stdout);
export const reloadExports = async (t: ToolContext): Promise<void> => {
  await runTool(t, exportfsReloadArgv(), { pkg: "nfs-utils" });
};
