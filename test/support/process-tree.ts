// Which processes a test started, read from /proc: to prove that nothing is left behind.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** ppid of every live process, from /proc/<pid>/stat (field 4, after the parenthesised name). */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      out.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Every live descendant of `pid`. */
export function descendants(pid: number): number[] {
  const ppid = parents();
  const found: number[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const next = [...ppid].filter(([, p]) => frontier.includes(p)).map(([c]) => c);
    found.push(...next);
    frontier = next;
  }
  return found;
}

/** Live processes whose command line contains `text` (e.g. a test's temporary directory). */
export function processesMentioning(text: string): { pid: number; cmdline: string }[] {
  const out: { pid: number; cmdline: string }[] = [];
  for (const pid of parents().keys()) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      if (cmdline.includes(text) && pid !== process.pid) out.push({ pid, cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Whether `pid` is still a live (not zombie) process. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** A process's command line, its arguments joined by spaces ("" once it is gone). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "";
  }
}

/** A process's working directory ("" once it is gone). */
export function workingDirectory(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return "";
  }
}
