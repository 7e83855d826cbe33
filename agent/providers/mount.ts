// fstab/findmnt/mount provider of the `mount` kind (util-linux 2.40 on EL10). The fstab
// line is edited as text (pure functions below) and written through Files; what is mounted
// is read from `findmnt -J`; mount/umount change it. Every other fstab line stays byte for
// byte, comments and odd spacing included.
import { runTool, type ToolContext } from "./checked-run.js";

export interface FstabEntry {
  device: string;
  path: string;
  fstype: string;
  options: string;
  dump: number;
  pass: number;
}

/** fstab(5) escapes blanks and backslashes in fields as \040, \011, \134. */
const unescape = (f: string): string => f.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
const escape = (f: string): string => f.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`);

/** Pure: one fstab line → entry; null for comments, blank and malformed lines. */
export function parseFstabLine(line: string): FstabEntry | null {
  const f = line.trim().split(/\s+/);
  if (f.length < 3 || f[0]!.startsWith("#")) return null;
  return { device: unescape(f[0]!), path: unescape(f[1]!), fstype: f[2]!, options: f[3] ?? "defaults", dump: Number(f[4] ?? 0), pass: Number(f[5] ?? 0) };
}

export const renderFstabLine = (e: FstabEntry): string => [escape(e.device), escape(e.path), e.fstype, e.options, e.dump, e.pass].join(" ");

const sameEntry = (a: FstabEntry, b: FstabEntry): boolean =>
  a.device === b.device && a.path === b.path && a.fstype === b.fstype && a.options === b.options && a.dump === b.dump && a.pass === b.pass;

/** Pure: the entries for `path`, in file order. */
export const fstabEntriesFor = (text: string, path: string): FstabEntry[] =>
  text.split("\n").map(parseFstabLine).filter((e): e is FstabEntry => e !== null && e.path === path);

/** Pure: whether the text holds exactly one entry for want.path, equal to want (any spacing). */
export function fstabHas(text: string, want: FstabEntry): boolean {
  const found = fstabEntriesFor(text, want.path);
  return found.length === 1 && sameEntry(found[0]!, want);
}

/**
 * Pure: the fstab text with the entry for `path` set to `want` (null removes it). The first
 * line for the path is replaced in place, later duplicates (mount would use the last one)
 * are dropped, a missing line is appended; every other line is kept as it was.
 */
export function editFstab(text: string, path: string, want: FstabEntry | null): string {
  const out: string[] = [];
  let placed = false;
  const lines = text === "" ? [] : text.replace(/\n$/, "").split("\n");
  for (const line of lines) {
    if (parseFstabLine(line)?.path !== path) out.push(line);
    else if (want && !placed) {
      out.push(renderFstabLine(want));
      placed = true;
    }
  }
  if (want && !placed) out.push(renderFstabLine(want));
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}

export interface LiveMount {
  target: string;
  source: string;
  fstype: string;
  options: string[];
}

/** Pure: `findmnt -J -M PATH -o TARGET,SOURCE,FSTYPE,OPTIONS` → the top mount (the last one when stacked). */
export function parseFindmnt(json: string): LiveMount | null {
  if (json.trim() === "") return null;
  const doc = JSON.parse(json) as { filesystems?: { target?: string; source?: string; fstype?: string; options?: string }[] };
  const fs = doc.filesystems?.at(-1);
  if (!fs) return null;
  return { target: fs.target ?? "", source: fs.source ?? "", fstype: fs.fstype ?? "", options: (fs.options ?? "").split(",").filter(Boolean) };
}

/** fstab-only, mount-helper-only or negotiated options: never in the kernel's list, or not as written. */
const NOT_REPORTED = new Set(["defaults", "auto", "noauto", "user", "nouser", "users", "owner", "group", "_netdev", "nofail", "bg", "fg", "intr", "nointr", "exec", "suid", "dev", "async"]);
const NOT_REPORTED_PREFIX = ["x-", "comment=", "retry=", "rsize=", "wsize=", "actimeo="];

/**
 * Pure: the wanted options a live mount does not show. "nfsvers=4.2" is reported as
 * "vers=4.2", and "vers=4" is satisfied by the negotiated "vers=4.2".
 */
export function missingOptions(wanted: string, live: readonly string[]): string[] {
  const liveVers = live.find((o) => o.startsWith("vers="))?.slice(5);
  return wanted.split(",").filter((o) => {
    if (o === "" || NOT_REPORTED.has(o) || NOT_REPORTED_PREFIX.some((p) => o.startsWith(p))) return false;
    const vers = /^(?:nfs)?vers=(.+)$/.exec(o)?.[1];
    if (vers !== undefined) return !(liveVers === vers || liveVers?.startsWith(`${vers}.`));
    return !live.includes(o);
  });
}

/** Pure: whether a live mount is of the wanted device (nfs and nfs4 are one family; UUID= and LABEL= cannot be compared). */
export function sameDevice(live: LiveMount, want: FstabEntry): boolean {
  const family = (t: string) => (t === "nfs4" ? "nfs" : t);
  if (want.fstype !== "auto" && family(live.fstype) !== family(want.fstype)) return false;
  if (/^(UUID|LABEL|PARTUUID|PARTLABEL)=/.test(want.device)) return true;
  return live.source.replace(/\/+$/, "") === want.device.replace(/\/+$/, "");
}

export const findmntArgv = (path: string): [string, ...string[]] => ["/usr/bin/findmnt", "-J", "-M", path, "-o", "TARGET,SOURCE,FSTYPE,OPTIONS"];
export const mountArgv = (path: string): [string, ...string[]] => ["/usr/bin/mount", path];
export const remountArgv = (path: string): [string, ...string[]] => ["/usr/bin/mount", "-o", "remount", path];
export const umountArgv = (path: string): [string, ...string[]] => ["/usr/bin/umount", path];
export const daemonReloadArgv = (): [string, ...string[]] => ["/usr/bin/systemctl", "daemon-reload"];

/** What is mounted at exactly `path` (findmnt exits 1 when nothing is). */
export async function readMount(t: ToolContext, path: string): Promise<LiveMount | null> {
  const r = await runTool(t, findmntArgv(path), { ok: [0, 1], pkg: "util-linux" });
  return r.exitCode === 1 ? null : parseFindmnt(r.stdout);
}

/** mount and umount of NFS wait for the server (hard mounts retry for minutes); bounded here. */
const MOUNT_TIMEOUT_MS = 180_000;
export const runMount = async (t: ToolContext, argv: [string, ...string[]]): Promise<void> => {
  await runTool(t, argv, { timeoutMs: MOUNT_TIMEOUT_MS });
};
