// The rpm/dnf provider of the `package` kind: every argv it runs is built here, and the
// output of rpm/dnf is read by the pure parsers below (tests replay captured output).
// Two dnf generations are in the field: dnf4 (EL9, EL10, Fedora ≤ 40) and dnf5 (Fedora ≥ 41),
// which differ in `config-manager`. Commands run with LC_ALL=C.UTF-8 because the parsers
// match English words ("is not installed", "enabled"), and with a wide COLUMNS because
// dnf5's tables (libsmartcols) truncate cells to 80 columns when stdout is not a terminal.
import type { HostFacts } from "../facts.js";
import type { ExecRequest, ExecResult, Executor } from "./executor.js";

export type DnfFlavour = "dnf4" | "dnf5";

/** Where and how dnf runs: the host ("/") or an installroot (image builds, tests). */
export interface DnfTarget {
  root: string;
  flavour: DnfFlavour;
  /** Needed in an installroot, which has no system-release package for dnf to read it from. */
  releasever: string;
}

export interface Installed {
  name: string;
  epoch: string;
  version: string;
  release: string;
  arch: string;
}

/** A wanted version, "[E:]V[-R]"; an omitted epoch or release matches any, as in a dnf spec. */
export interface WantedEvr {
  epoch?: string;
  version: string;
  release?: string;
}

export interface RepoDefinition {
  id: string;
  enabled: boolean;
  baseurl: string;
  name?: string;
  gpgcheck?: boolean;
  gpgkey?: string;
}

const RPM = "/usr/bin/rpm";
const DNF = "/usr/bin/dnf";
const ENV = { LC_ALL: "C.UTF-8", COLUMNS: "1000" };
const READ_TIMEOUT_MS = 300_000; // `module list` may fetch repo metadata
// A first install of a Koji hub downloads hundreds of packages; the resource's own
// timeoutSeconds (the engine's deadline) is the bound that matters.
const TRANSACTION_TIMEOUT_MS = 3_600_000;
const STDERR_TAIL_LINES = 20;

export function dnfTarget(root: string, facts: HostFacts): DnfTarget {
  const dnf5 = facts.family === "fedora" && Number(facts.os.versionId) >= 41;
  return { root, flavour: dnf5 ? "dnf5" : "dnf4", releasever: facts.os.versionId };
}

// ── argv builders ────────────────────────────────────────────────────────────

const dnf = (t: DnfTarget, ...args: string[]): string[] =>
  t.root === "/" ? [DNF, ...args] : [DNF, `--installroot=${t.root}`, ...(t.releasever ? [`--releasever=${t.releasever}`] : []), ...args];

export const QUERY_FORMAT = "%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE}.%{ARCH}\\n";

export const argv = {
  query: (t: DnfTarget, names: readonly string[]): string[] => [RPM, ...(t.root === "/" ? [] : ["--root", t.root]), "-q", "--qf", QUERY_FORMAT, ...names],
  repolist: (t: DnfTarget): string[] => dnf(t, "repolist", "--all"),
  moduleList: (t: DnfTarget): string[] => dnf(t, "module", "list", "--enabled"),
  /** dnf4 takes one switch per call; dnf5 sets both kinds of repos in one setopt. */
  setRepos(t: DnfTarget, enable: readonly string[], disable: readonly string[]): string[][] {
    if (t.flavour === "dnf5") {
      const opts = [...enable.map((id) => `${id}.enabled=1`), ...disable.map((id) => `${id}.enabled=0`)];
      return opts.length ? [dnf(t, "config-manager", "setopt", ...opts)] : [];
    }
    return [
      ...(enable.length ? [dnf(t, "config-manager", "--set-enabled", ...enable)] : []),
      ...(disable.length ? [dnf(t, "config-manager", "--set-disabled", ...disable)] : []),
    ];
  },
  moduleReset: (t: DnfTarget, names: readonly string[]): string[] => dnf(t, "-y", "module", "reset", ...names),
  moduleEnable: (t: DnfTarget, specs: readonly string[]): string[] => dnf(t, "-y", "module", "enable", ...specs),
  // No --setopt=install_weak_deps=… or other overrides: the host's dnf.conf decides (manage it
  // with a `file` resource), so the agent and an admin running dnf by hand resolve alike.
  install: (t: DnfTarget, specs: readonly string[]): string[] => dnf(t, "-y", "install", ...specs),
  remove: (t: DnfTarget, names: readonly string[]): string[] => dnf(t, "-y", "remove", ...names),
};

/** The dnf spec for a package at a version: "koji-1.35.3-1.el10", "foo-1:2.0-1". */
export const installSpec = (name: string, version?: string): string => (version === undefined ? name : `${name}-${version}`);

// ── pure parsers ─────────────────────────────────────────────────────────────

const INSTALLED_LINE = /^(\S+) (\d+):([^\s-]+)-([^\s-]+)\.([^\s.]+)$/;
const MISSING_LINE = /^package (\S+) is not installed$/;

/**
 * `rpm -q --qf QUERY_FORMAT names…` output: one line per installed instance (several for
 * multilib or installonly packages), "package X is not installed" for the others. rpm exits
 * with the number of missing names, so a non-zero exit with no such line is a real failure.
 */
export function parseRpmQuery(stdout: string, exitCode: number | null): Map<string, Installed[]> {
  const out = new Map<string, Installed[]>();
  let missing = 0;
  for (const line of stdout.split("\n")) {
    const m = INSTALLED_LINE.exec(line.trim());
    if (m) {
      const [, name, epoch, version, release, arch] = m as unknown as [string, string, string, string, string, string];
      out.set(name, [...(out.get(name) ?? []), { name, epoch, version, release, arch }]);
    } else if (MISSING_LINE.test(line.trim())) missing++;
    else if (line.trim()) throw new Error(`unexpected rpm -q output: ${line.trim()}`);
  }
  if (exitCode !== 0 && missing === 0) throw new Error(`rpm -q exited with ${exitCode ?? "a signal"} without naming a missing package`);
  return out;
}

/** `dnf repolist --all` (dnf4 and dnf5): "id  name…  enabled|disabled" rows; id → enabled. */
export function parseRepolist(stdout: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const line of stdout.split("\n")) {
    const words = line.trim().split(/\s+/);
    const status = words.at(-1);
    if (words.length < 2 || line.startsWith("repo id") || (status !== "enabled" && status !== "disabled")) continue;
    out.set(words[0]!, status === "enabled");
  }
  return out;
}

/** `dnf module list --enabled`: rows "name  stream [d][e]  profiles…"; name → enabled stream. */
export function parseModuleList(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const m = /^(\S+)\s+(\S+) ((?:\[[a-z]\])+)/.exec(line);
    if (m && m[1] !== "Hint:" && m[3]!.includes("[e]")) out.set(m[1]!, m[2]!);
  }
  return out;
}

export function parseEvr(text: string): WantedEvr {
  const m = /^(?:(\d+):)?([^:-]+)(?:-([^:-]+))?$/.exec(text);
  if (!m) throw new Error(`'${text}' is not a version ([epoch:]version[-release])`);
  return { ...(m[1] !== undefined && { epoch: m[1] }), version: m[2]!, ...(m[3] !== undefined && { release: m[3] }) };
}

/** rpm's rpmvercmp: alternating digit/alpha segments, "~" sorts before anything, "^" after the base. */
export function rpmvercmp(a: string, b: string): number {
  let i = 0, j = 0;
  const skip = (s: string, k: number) => { while (k < s.length && !/[A-Za-z0-9~^]/.test(s[k]!)) k++; return k; };
  for (;;) {
    i = skip(a, i); j = skip(b, j);
    if (a[i] === "~" || b[j] === "~") {
      if (a[i] !== "~") return 1;
      if (b[j] !== "~") return -1;
      i++; j++; continue;
    }
    if (a[i] === "^" || b[j] === "^") {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== "^") return 1;
      if (b[j] !== "^") return -1;
      i++; j++; continue;
    }
    if (i >= a.length || j >= b.length) break;
    const num = /\d/.test(a[i]!);
    const re = num ? /^\d+/ : /^[A-Za-z]+/;
    const sa = re.exec(a.slice(i))![0];
    const sb = re.exec(b.slice(j))?.[0];
    if (sb === undefined) return num ? 1 : -1; // segments of different types: a number is newer
    i += sa.length; j += sb.length;
    const [x, y] = num ? [sa.replace(/^0+/, ""), sb.replace(/^0+/, "")] : [sa, sb];
    if (num && x.length !== y.length) return x.length > y.length ? 1 : -1;
    if (x !== y) return x > y ? 1 : -1;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

/** Compares a wanted version with an installed one, over the parts the wanted one names. */
export function compareEvr(want: WantedEvr, have: Installed): number {
  if (want.epoch !== undefined && want.epoch !== have.epoch) return rpmvercmp(want.epoch, have.epoch);
  const v = rpmvercmp(want.version, have.version);
  if (v !== 0 || want.release === undefined) return v;
  return rpmvercmp(want.release, have.release);
}

/** "1.0-1", or "2:1.0-1" when the epoch is not 0. */
export const showInstalled = (p: Installed): string => `${p.epoch === "0" ? "" : `${p.epoch}:`}${p.version}-${p.release}`;

export const repoFilePath = (id: string): string => `/etc/yum.repos.d/${id}.repo`;

export function renderRepoFile(repo: RepoDefinition): string {
  const lines = [
    "# Managed by koji-fleet (package resource): local edits are overwritten.",
    `[${repo.id}]`,
    `name=${repo.name ?? repo.id}`,
    `baseurl=${repo.baseurl}`,
    `enabled=${repo.enabled ? 1 : 0}`,
    `gpgcheck=${repo.gpgcheck === false ? 0 : 1}`,
    ...(repo.gpgkey !== undefined ? [`gpgkey=${repo.gpgkey}`] : []),
  ];
  return `${lines.join("\n")}\n`;
}

// ── running ──────────────────────────────────────────────────────────────────

export class DnfError extends Error {
  override name = "DnfError";
  constructor(readonly argv: string[], readonly result: ExecResult, why?: string) {
    const how = why ?? (result.timedOut ? "timed out" : result.exitCode === null ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`);
    const tail = result.stderr.trimEnd().split("\n").slice(-STDERR_TAIL_LINES).join("\n");
    super(`${argv.join(" ")} ${how}${tail ? `:\n${tail}` : ""}`);
  }
}

const request = (args: string[], timeoutMs: number, signal: AbortSignal): ExecRequest => ({ argv: args as [string, ...string[]], env: ENV, timeoutMs, signal });

/** What the provider needs from the kind's context. */
export interface DnfContext {
  exec: Executor;
  root: string;
  facts: HostFacts;
  signal: AbortSignal;
  /** Run transactions that touch the agent's own package in a transient unit (see below); default: agentUnderSystemd(). */
  selfUpdateUnit?: boolean;
}

// ── self-update ──────────────────────────────────────────────────────────────
// Upgrading koji-fleet-agent from inside the agent is a trap: a dnf child of the
// agent lives in the agent's cgroup, so anything that stops the unit mid-transaction (a
// scriptlet's try-restart, the watchdog, an admin's `systemctl restart`) kills dnf with it and
// leaves a half-done rpm transaction. Such a transaction therefore runs in a transient unit of
// its own (systemd-run --wait --pipe: the agent still waits for it and reads its output), and
// the agent's restart onto the new code is queued only after dnf has finished.

export const AGENT_PACKAGE = "koji-fleet-agent";
export const AGENT_UNIT = "koji-fleet-agent.service";
const SYSTEMD_RUN = "/usr/bin/systemd-run";
const SYSTEMCTL = "/usr/bin/systemctl";

/** "koji-fleet-agent" or a versioned spec of it ("koji-fleet-agent-0.2.0-1.el10", "…-1:0.2"). */
export const isAgentPackage = (spec: string): boolean => spec === AGENT_PACKAGE || /^koji-fleet-agent-(\d+:)?\d/.test(spec);

/**
 * systemd sets INVOCATION_ID in every service it starts; NOTIFY_SOCKET cannot tell, because
 * agent/sd-notify.ts removes it from the environment. Only a host agent ("/") qualifies:
 * an installroot is not the system the agent runs on.
 */
export const agentUnderSystemd = (root: string, env: NodeJS.ProcessEnv = process.env): boolean => root === "/" && Boolean(env.INVOCATION_ID);

export const selfUpdateArgv = {
  /** dnf's argv run as koji-fleet-dnf-<id>.service; the unit does not inherit our environment. */
  transient: (id: string, args: readonly string[]): string[] => [
    SYSTEMD_RUN, `--unit=koji-fleet-dnf-${id}`, "--collect", "--wait", "--pipe", "--quiet",
    ...Object.entries(ENV).map(([k, v]) => `--setenv=${k}=${v}`),
    ...args,
  ],
  /** --no-block: queue the job and return, so this agent stops gracefully (SIGTERM) after the resource. */
  restartAgent: (): string[] => [SYSTEMCTL, "--no-block", "try-restart", AGENT_UNIT],
};

/** The operations the `package` kind uses, bound to one host (or installroot). */
export function dnfProvider(ctx: DnfContext) {
  const t = dnfTarget(ctx.root, ctx.facts);
  const run = async (args: string[], timeoutMs: number, ok: (r: ExecResult) => boolean): Promise<ExecResult> => {
    const result = await ctx.exec.run(request(args, timeoutMs, ctx.signal));
    if (result.timedOut || result.exitCode === null || !ok(result)) throw new DnfError(args, result);
    return result;
  };
  const exit0 = (r: ExecResult) => r.exitCode === 0;
  const change = async (args: string[]) => void (await run(args, TRANSACTION_TIMEOUT_MS, exit0));
  const selfUpdateUnit = ctx.selfUpdateUnit ?? agentUnderSystemd(ctx.root);
  const transaction = async (args: string[], specs: readonly string[], restart: boolean) => {
    if (!selfUpdateUnit || !specs.some(isAgentPackage)) return change(args);
    await change(selfUpdateArgv.transient(Date.now().toString(36), args));
    if (restart) await change(selfUpdateArgv.restartAgent());
  };
  return {
    /** rpm exits with the number of missing names: its parser judges the exit code. */
    async installed(names: readonly string[]): Promise<Map<string, Installed[]>> {
      if (names.length === 0) return new Map();
      const args = argv.query(t, names);
      const result = await run(args, READ_TIMEOUT_MS, () => true);
      try {
        return parseRpmQuery(result.stdout, result.exitCode);
      } catch (err) {
        throw new DnfError(args, result, (err as Error).message);
      }
    },
    repos: async () => parseRepolist((await run(argv.repolist(t), READ_TIMEOUT_MS, exit0)).stdout),
    // dnf4 raises "No matching Modules to list" (exit 1) for an empty listing with a spec;
    // we pass none, but should a dnf report an empty list that way, it is not an error.
    modules: async () => parseModuleList((await run(argv.moduleList(t), READ_TIMEOUT_MS, (r) => r.exitCode === 0 || /No matching Modules to list/.test(r.stderr))).stdout),
    async setRepos(enable: readonly string[], disable: readonly string[]) {
      for (const args of argv.setRepos(t, enable, disable)) await change(args);
    },
    async enableModules(reset: readonly string[], enable: readonly string[]) {
      if (reset.length) await change(argv.moduleReset(t, reset));
      if (enable.length) await change(argv.moduleEnable(t, enable));
    },
    install: (specs: readonly string[]) => transaction(argv.install(t, specs), specs, true),
    // Removing the agent stops it (%preun): nothing to restart.
    remove: (names: readonly string[]) => transaction(argv.remove(t, names), names, false),
  };
}
