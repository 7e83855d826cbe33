// semanage-fcontext/restorecon provider of the `selinux-fcontext` kind (policycoreutils 3.x).
// Rules are read from the local customizations only (`semanage fcontext -l -C`): those are
// the ones `semanage fcontext -a/-m` write, so observe sees exactly what apply changed.
// Labels on disk are checked with a restorecon dry run (-n -v): every line it prints is a
// file whose type differs from what the rules say.
import { runTool, SLOW_TIMEOUT_MS, type ToolContext } from "./checked-run.js";

const SEMANAGE = "/usr/sbin/semanage";
const RESTORECON = "/usr/sbin/restorecon";

export const fcontextListArgv = (): [string, ...string[]] => [SEMANAGE, "fcontext", "-l", "-C"];
export const fcontextSetArgv = (op: "add" | "modify", type: string, pattern: string): [string, ...string[]] => [SEMANAGE, "fcontext", op === "add" ? "-a" : "-m", "-t", type, pattern];
export const restoreconArgv = (path: string, recursive: boolean, dryRun: boolean): [string, ...string[]] => [
  RESTORECON, ...(recursive ? ["-R"] : []), ...(dryRun ? ["-n"] : []), "-v", path,
];

const FILE_TYPES = "all files|regular file|directory|character device|block device|socket|symbolic link|named pipe";

export interface FcontextRule {
  pattern: string;
  /** "all files", "directory", …: a rule is keyed by pattern and file type. */
  fileType: string;
  /** null for a "<<None>>" rule (never relabel). */
  type: string | null;
}

/**
 * Pure: `semanage fcontext -l [-C]` → rules. Rows are "%-50s %-18s %s " (pattern, file type,
 * context user:role:type[:range], a trailing space); the heading, blank lines and the
 * "SELinux Local fcontext Equivalence" section (`a = b` lines) do not match and are skipped.
 */
export function parseFcontextList(stdout: string): FcontextRule[] {
  const rules: FcontextRule[] = [];
  const row = new RegExp(`^(\\S+)\\s+(${FILE_TYPES})\\s+(\\S+)\\s*$`);
  for (const line of stdout.split("\n")) {
    const m = row.exec(line);
    if (!m) continue;
    const context = m[3]!;
    rules.push({ pattern: m[1]!, fileType: m[2]!, type: context === "<<None>>" ? null : (context.split(":")[2] ?? null) });
  }
  return rules;
}

export interface Relabel {
  path: string;
  /** Current type; null when the file has no label at all. */
  from: string | null;
  to: string;
}

const typeOf = (context: string): string | null => (context.includes(":") ? (context.split(":")[2] ?? null) : null);

/** Pure: restorecon -v output ("Would relabel P from C1 to C2" or "Relabeled …") → changes. */
export function parseRelabels(stdout: string): Relabel[] {
  const out: Relabel[] = [];
  for (const line of stdout.split("\n")) {
    // libselinux prints "<no context>" (older: "(null)") for an unlabeled file.
    const m = /^(?:Would relabel|Relabeled) (.+) from (\S+|<no context>) to (\S+)$/.exec(line);
    if (m) out.push({ path: m[1]!, from: typeOf(m[2]!), to: typeOf(m[3]!) ?? m[3]! });
  }
  return out;
}

/**
 * Pure: the directory a pattern labels, for restorecon: the literal text before the first
 * regex character, without a trailing slash ("/mnt/koji(/.*)?" → "/mnt/koji"). null when
 * nothing useful is left ("/(.*)", "/srv/[ab]"…): then the resource must say `path`.
 */
export function pathOfPattern(pattern: string): string | null {
  const literal = pattern.split(/[()[\]{}.*+?^$|\\]/)[0]!.replace(/\/+$/, "");
  return literal.startsWith("/") && literal.length > 1 ? literal : null;
}

export const readLocalRules = async (t: ToolContext): Promise<FcontextRule[]> =>
  parseFcontextList((await runTool(t, fcontextListArgv(), { timeoutMs: SLOW_TIMEOUT_MS, pkg: "policycoreutils-python-utils" })).stdout);

/** The files under `path` whose label differs from the rules (restorecon -n never changes anything). */
export async function dryRunRelabel(t: ToolContext, path: string, recursive: boolean): Promise<Relabel[]> {
  return parseRelabels((await runTool(t, restoreconArgv(path, recursive, true), { timeoutMs: SLOW_TIMEOUT_MS, pkg: "policycoreutils" })).stdout);
}

export async function setRule(t: ToolContext, op: "add" | "modify", type: string, pattern: string): Promise<void> {
  await runTool(t, fcontextSetArgv(op, type, pattern), { timeoutMs: SLOW_TIMEOUT_MS });
}

export async function relabel(t: ToolContext, path: string, recursive: boolean): Promise<void> {
  await runTool(t, restoreconArgv(path, recursive, false), { timeoutMs: SLOW_TIMEOUT_MS });
}
