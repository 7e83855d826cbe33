// shadow-utils provider of the `user` and `group` kinds. Observe reads /etc/passwd and
// /etc/group under the root (the very files useradd/groupadd edit, so the engine's
// re-observe sees exactly what apply did); apply runs useradd/usermod/userdel/groupadd/
// groupmod/groupdel. Outside "/" every command gets `--prefix <root>` so the tools edit the
// files observe read (tests use a temp root; shadow 4.13 on Debian and 4.15 on EL10 both
// support --prefix). Accounts only in SSSD/LDAP are not seen here, by design: these tools
// manage local accounts only.
import { resolveUnderRoot, type Files } from "./files.js";
import { runTool, SLOW_TIMEOUT_MS, type ToolContext } from "./checked-run.js";

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  comment: string;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const NUMERIC = /^[0-9]+$/;

/** Lines of passwd(5)/group(5) text with `fields` colon-separated fields; the first name wins. */
function records(text: string, fields: number): string[][] {
  const seen = new Set<string>();
  const out: string[][] = [];
  for (const line of text.split("\n")) {
    // "+"/"-" lines are NIS compat entries, not local accounts.
    if (line === "" || line.startsWith("#") || line.startsWith("+") || line.startsWith("-")) continue;
    const f = line.split(":");
    if (f.length < fields || !f[0] || seen.has(f[0]) || !NUMERIC.test(f[2] ?? "")) continue;
    seen.add(f[0]);
    out.push(f);
  }
  return out;
}

/** Pure: passwd(5) text → entries. */
export const parsePasswd = (text: string): PasswdEntry[] =>
  records(text, 7).map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), comment: f[4]!, home: f[5]!, shell: f[6]! }));

/** Pure: group(5) text → entries. */
export const parseGroup = (text: string): GroupEntry[] =>
  records(text, 4).map((f) => ({ name: f[0]!, gid: Number(f[2]), members: f[3]!.split(",").filter(Boolean) }));

export interface AccountsDb {
  users: PasswdEntry[];
  groups: GroupEntry[];
}

/** Reads <root>/etc/passwd and <root>/etc/group; a missing file is an empty database. */
export async function readAccounts(files: Files, root: string): Promise<AccountsDb> {
  const text = async (p: string) => (await files.readFile(resolveUnderRoot(root, p), { followTrustedLinks: true }))?.toString("utf8") ?? "";
  return { users: parsePasswd(await text("/etc/passwd")), groups: parseGroup(await text("/etc/group")) };
}

// --- argv ---------------------------------------------------------------------------------

const prefix = (root: string): string[] => (root === "/" ? [] : ["--prefix", root]);

export const groupaddArgv = (root: string, name: string, o: { gid?: number; system?: boolean }): [string, ...string[]] => [
  "/usr/sbin/groupadd", ...prefix(root), ...(o.system ? ["-r"] : []), ...(o.gid !== undefined ? ["-g", String(o.gid)] : []), name,
];
export const groupmodGidArgv = (root: string, name: string, gid: number): [string, ...string[]] => ["/usr/sbin/groupmod", ...prefix(root), "-g", String(gid), name];
export const groupdelArgv = (root: string, name: string): [string, ...string[]] => ["/usr/sbin/groupdel", ...prefix(root), name];

/** What useradd/usermod set; each field absent = not given on the command line. */
export interface UserFields {
  uid?: number;
  /** Primary group, name or gid. */
  group?: string;
  /** Supplementary groups: the full list (usermod: replaces, unless `append`). */
  groups?: string[];
  append?: boolean;
  home?: string;
  shell?: string;
  comment?: string;
}

function userOptions(f: UserFields): string[] {
  return [
    ...(f.uid !== undefined ? ["-u", String(f.uid)] : []),
    ...(f.group !== undefined ? ["-g", f.group] : []),
    ...(f.groups !== undefined ? [...(f.append ? ["-a"] : []), "-G", f.groups.join(",")] : []),
    ...(f.home !== undefined ? ["-d", f.home] : []),
    ...(f.shell !== undefined ? ["-s", f.shell] : []),
    ...(f.comment !== undefined ? ["-c", f.comment] : []),
  ];
}

export const useraddArgv = (root: string, name: string, f: UserFields & { system?: boolean; createHome?: boolean }): [string, ...string[]] => [
  "/usr/sbin/useradd", ...prefix(root), ...(f.system ? ["-r"] : []), ...userOptions(f), ...(f.createHome === undefined ? [] : [f.createHome ? "-m" : "-M"]), name,
];
export const usermodArgv = (root: string, name: string, f: UserFields): [string, ...string[]] => ["/usr/sbin/usermod", ...prefix(root), ...userOptions(f), name];
/** Without -r: the home directory and mail spool stay (data is never deleted implicitly). */
export const userdelArgv = (root: string, name: string): [string, ...string[]] => ["/usr/sbin/userdel", ...prefix(root), name];

/** Runs one shadow-utils command; their exit codes (9 = name in use, 4 = uid in use, 8 = user logged in…) come with stderr. */
export async function runShadow(t: ToolContext, argv: [string, ...string[]]): Promise<void> {
  // Slow timeout: usermod -u chowns the whole home directory.
  await runTool(t, argv, { timeoutMs: SLOW_TIMEOUT_MS, pkg: "shadow-utils" });
}
