// SELinux provider of the `selinux-boolean` kind, and the mode check both SELinux kinds
// share (policycoreutils 3.x / libselinux 3.x). A boolean has two values that matter: the
// runtime one (getsebool, what the kernel enforces now) and the persistent one in the policy
// store (semanage's "Default" column, what the next boot loads). `setsebool` without -P
// changes only the first; the classic trap is a boolean that works until the reboot.
import { runTool, SLOW_TIMEOUT_MS, type ToolContext } from "./checked-run.js";

export type SelinuxMode = "enforcing" | "permissive" | "disabled";

export const getenforceArgv = (): [string, ...string[]] => ["/usr/sbin/getenforce"];
export const getseboolArgv = (name: string): [string, ...string[]] => ["/usr/sbin/getsebool", name];
export const booleanListArgv = (): [string, ...string[]] => ["/usr/sbin/semanage", "boolean", "-l"];
export const setseboolArgv = (name: string, value: boolean): [string, ...string[]] => ["/usr/sbin/setsebool", "-P", name, value ? "on" : "off"];

/** Pure: getenforce prints exactly one word. */
export function parseGetenforce(stdout: string): SelinuxMode {
  const word = stdout.trim().toLowerCase();
  if (word === "enforcing" || word === "permissive" || word === "disabled") return word;
  throw new Error(`unexpected getenforce output ${JSON.stringify(stdout.trim())}`);
}

export interface BooleanValue {
  /** The name the policy knows (getsebool resolves old aliases like allow_httpd_anon_write). */
  name: string;
  active: boolean;
  /** Set when a value was changed but not committed yet ("pending: on"). */
  pending?: boolean;
}

/** Pure: getsebool prints "NAME --> on" or "NAME --> off pending: on". */
export function parseGetsebool(stdout: string): BooleanValue {
  const m = /^(\S+) --> (on|off)(?: pending: (on|off))?$/m.exec(stdout);
  if (!m) throw new Error(`unexpected getsebool output ${JSON.stringify(stdout.trim())}`);
  return { name: m[1]!, active: m[2] === "on", ...(m[3] !== undefined && { pending: m[3] === "on" }) };
}

/**
 * Pure: `semanage boolean -l` → name → { state (runtime), persistent }. Rows are
 * "%-30s (%-5s,%5s)  %s": name, (State, Default), description; the heading is skipped.
 */
export function parseBooleanList(stdout: string): Map<string, { state: boolean; persistent: boolean }> {
  const out = new Map<string, { state: boolean; persistent: boolean }>();
  for (const line of stdout.split("\n")) {
    const m = /^(\S+)\s+\(\s*(on|off)\s*,\s*(on|off)\s*\)/.exec(line);
    if (m) out.set(m[1]!, { state: m[2] === "on", persistent: m[3] === "on" });
  }
  return out;
}

/** The SELinux mode; a host without the tools is treated as "SELinux is not there" by the caller. */
export async function selinuxMode(t: ToolContext): Promise<SelinuxMode> {
  return parseGetenforce((await runTool(t, getenforceArgv(), { pkg: "libselinux-utils" })).stdout);
}

/** Throws the error both SELinux kinds give on a host with SELinux disabled. */
export async function requireSelinux(t: ToolContext, what: string): Promise<void> {
  if ((await selinuxMode(t)) === "disabled") {
    throw new Error(
      `SELinux is disabled on this host (getenforce: Disabled): ${what} cannot be read or set. ` +
        "Enable it (SELINUX=enforcing or permissive in /etc/selinux/config, then reboot, which relabels) or remove this resource from the host's catalog",
    );
  }
}

export interface ObservedBoolean {
  name: string;
  active: boolean;
  persistent: boolean;
}

export async function readBoolean(t: ToolContext, name: string): Promise<ObservedBoolean> {
  // getsebool exits 255 with "Error getting active value for NAME" for an unknown boolean.
  const got = await runTool(t, getseboolArgv(name), { ok: [0, 255], pkg: "libselinux-utils" });
  if (got.exitCode !== 0) throw new Error(`SELinux boolean ${name} does not exist in the loaded policy (getsebool: ${got.stderr.trim()})`);
  const value = parseGetsebool(got.stdout);
  const list = parseBooleanList((await runTool(t, booleanListArgv(), { timeoutMs: SLOW_TIMEOUT_MS, pkg: "policycoreutils-python-utils" })).stdout);
  const row = list.get(value.name);
  if (!row) throw new Error(`semanage boolean -l does not list ${value.name}`);
  return { name: value.name, active: value.active, persistent: row.persistent };
}

/** setsebool -P sets runtime and persistent together; it rebuilds the policy (seconds to a minute). */
export async function setBoolean(t: ToolContext, name: string, value: boolean): Promise<void> {
  await runTool(t, setseboolArgv(name, value), { timeoutMs: SLOW_TIMEOUT_MS });
}
