// `service`: a systemd unit's enablement, run state and mask. Observe is one `systemctl show`;
// apply runs the planned systemctl verbs in a fixed order (daemon-reload → unmask → enable/
// disable → start/stop → mask); refresh restarts (or reloads) a running unit when a resource
// that notifies it changed. A failed action carries the unit's last journal lines.
//
// A reload never reaches a process that is not ready for it: a unit this converge starts is not
// also reloaded (it read the new configuration as it started; refreshDoneByApply), and a reload
// of a unit still activating, or whose main process does not handle the signal ExecReload sends
// (kojid installs its SIGUSR1 handler only after logging in to the hub, seconds after systemd
// calls it active; the signal's default action would kill it), becomes a restart.
import { setTimeout as sleep } from "node:timers/promises";
import { Type, type Static } from "@sinclair/typebox";
import type { ExecResult } from "../providers/executor.js";
import {
  daemonReloadArgv, failureOf, handlesSignal, isMasked, isRunning, isStopped, journalTail, needsDisable, needsEnable, normalizeUnit, parseReloadTarget,
  parseUnitStatus, procStatusArgv, RELOAD_PROPERTIES, requireLiveRoot, showArgv, unitArgv, UNIT_PROPERTIES, type ReloadTarget, type UnitStatus, type UnitVerb,
} from "../providers/systemd.js";
import type { Kind, KindContext } from "./kind.js";

/**
 * A unit name: .service/.timer/.socket/.mount, or a bare name meaning .service. Never starts
 * with "-" (it would be read as a systemctl option); other unit types are refused.
 */
export const UnitName = Type.String({
  pattern: "^(?!-)(?!.*\\.(target|path|slice|scope|swap|automount|device)$)[A-Za-z0-9:_.@\\\\-]{1,250}$",
});

export const ServicePropsSchema = Type.Object(
  {
    name: UnitName,
    enabled: Type.Optional(Type.Boolean()),
    state: Type.Optional(Type.Union([Type.Literal("running"), Type.Literal("stopped")])),
    masked: Type.Optional(Type.Boolean()),
    /** On refresh, `systemctl reload` instead of restart (kojid, httpd: graceful). */
    reload: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ServiceProps = Static<typeof ServicePropsSchema>;

export interface ServiceObserved {
  unit: string;
  status: UnitStatus;
}

/** One systemctl step; diff shows `line`, apply runs exactly these in this order. */
interface Step {
  line: string;
  argv: readonly [string, ...string[]];
  /** start/restart/reload must leave the unit running (a Type=simple start returns 0 even if it dies). */
  verify?: boolean;
}

const SHOW_TIMEOUT_MS = 30_000;
/** The resource deadline (ctx.signal) is the real bound; this only caps a wedged systemctl. */
const ACTION_TIMEOUT_MS = 300_000;

function checkProps(p: ServiceProps): void {
  if (p.masked === true && (p.enabled === true || p.state === "running")) {
    throw new Error(`${normalizeUnit(p.name)}: masked: true contradicts enabled: true / state: running`);
  }
}

function plan(p: ServiceProps, { unit, status: s }: ServiceObserved): Step[] {
  const step = (verb: UnitVerb, opts: { runtime?: boolean; verify?: boolean } = {}): Step => ({
    line: `${verb} ${unit}${opts.runtime ? " (runtime mask)" : ""}`,
    argv: unitArgv(verb, unit, opts),
    ...(opts.verify && { verify: true }),
  });
  const steps: Step[] = [];
  if (s.needDaemonReload) steps.push({ line: `daemon-reload (${unit} changed on disk)`, argv: daemonReloadArgv() });
  // Without `masked`, a mask is lifted only when the unit has to be enabled or started.
  const wantsUnmask = p.masked === false || (p.masked === undefined && (p.enabled === true || p.state === "running"));
  if (isMasked(s) && wantsUnmask) steps.push(step("unmask", { runtime: s.unitFileState === "masked-runtime" }));
  if (p.enabled === true && needsEnable(s)) steps.push(step("enable"));
  if (p.enabled === false && needsDisable(s)) steps.push(step("disable"));
  if (p.state === "running" && !isRunning(s)) steps.push(step("start", { verify: true }));
  if (p.state === "stopped" && !isStopped(s)) steps.push(step("stop"));
  if (p.masked === true && s.unitFileState !== "masked") steps.push(step("mask"));
  return steps;
}

async function show(unit: string, properties: readonly string[], ctx: KindContext): Promise<string> {
  const r = await ctx.exec.run({ argv: showArgv(unit, properties), timeoutMs: SHOW_TIMEOUT_MS, signal: ctx.signal });
  const failed = failureOf(r);
  if (failed) throw new Error(failed);
  return r.stdout;
}

const observeUnit = async (unit: string, ctx: KindContext): Promise<UnitStatus> => parseUnitStatus(await show(unit, UNIT_PROPERTIES, ctx));

/**
 * Why a reload of this running unit would reach a process not ready for it (then it is
 * restarted instead: a process still starting holds no work a graceful reload would protect),
 * or null when the reload is safe.
 */
async function reloadHazard(status: UnitStatus, target: ReloadTarget, ctx: KindContext): Promise<string | null> {
  // systemd would queue the reload behind the start job and send it the moment the unit is
  // active: for Type=simple that is when the process is forked, long before it is ready.
  if (status.activeState === "activating") return "it is still starting (activating)";
  if (target.signal === null || target.mainPid === 0) return null;
  const r = await ctx.exec.run({ argv: procStatusArgv(target.mainPid), timeoutMs: SHOW_TIMEOUT_MS, signal: ctx.signal });
  // Gone since `show`: the reload then fails with systemd's own account of it.
  if (failureOf(r)) return null;
  if (handlesSignal(r.stdout, target.signal.number)) return null;
  return `its main process (PID ${target.mainPid}) does not handle SIG${target.signal.name} yet (still starting), and a reload would kill it`;
}

async function failWithJournal(unit: string, what: string, ctx: KindContext): Promise<never> {
  throw new Error(`${what}\n${await journalTail(ctx.exec, unit, ctx.signal)}`);
}

const VERIFY_SETTLE_MS = 300;

/** Runs one step; a failure, or a unit not running after start/restart/reload, throws with the journal. */
async function run(unit: string, step: Step, ctx: KindContext): Promise<void> {
  const r: ExecResult = await ctx.exec.run({ argv: step.argv, timeoutMs: ACTION_TIMEOUT_MS, signal: ctx.signal });
  const failed = failureOf(r);
  if (failed) {
    // daemon-reload is not about this unit: its journal would explain nothing.
    if (step.argv[1] === "daemon-reload") throw new Error(failed);
    return failWithJournal(unit, failed, ctx);
  }
  if (!step.verify) return;
  // A Type=simple unit is active as soon as its process is forked: one that dies at once (a bad
  // ExecStart, a config error) shows as failed only a moment later.
  await sleep(VERIFY_SETTLE_MS, undefined, { signal: ctx.signal });
  const after = await observeUnit(unit, ctx);
  if (!isRunning(after)) return failWithJournal(unit, `${step.argv.join(" ")}: ${unit} is ${after.activeState} (${after.subState}) right after it`, ctx);
}

export const serviceKind: Kind<ServiceProps, ServiceObserved> = {
  name: "service",
  schema: ServicePropsSchema,
  // systemctl talks to the running systemd: observing it in sandbox would report the machine
  // hosting the sandbox, not the host in the catalog.
  appliesInSandbox: false,
  // systemctl is the same on every systemd distribution; no package-manager-specific provider.
  platforms: ["el", "fedora", "debian"],
  summary: (p) => {
    const want = [p.masked === true ? "masked" : undefined, p.enabled === undefined ? undefined : p.enabled ? "enabled" : "disabled", p.state];
    return `service ${normalizeUnit(p.name)}${want.some(Boolean) ? ` (${want.filter(Boolean).join(", ")})` : ""}`;
  },

  async observe(props, ctx) {
    requireLiveRoot(ctx.root, "service");
    checkProps(props);
    const unit = normalizeUnit(props.name);
    return { unit, status: await observeUnit(unit, ctx) };
  },

  diff: (props, observed) => plan(props, observed).map((s) => s.line),

  async apply(props, observed, ctx) {
    for (const step of plan(props, observed)) await run(observed.unit, step, ctx);
  },

  /** A unit this apply starts reads the configuration of this converge as it starts. */
  refreshDoneByApply(props, observed) {
    if (!plan(props, observed).some((s) => s.argv[1] === "start")) return null;
    return `not ${props.reload ? "reloaded" : "restarted"}: started just now, with this configuration`;
  },

  /**
   * Restart (or reload) only a unit that is running and meant to keep running: a stopped unit
   * picks up its new configuration when it starts, and one meant to be stopped stays stopped.
   */
  async refresh(props, ctx) {
    if (props.state === "stopped" || props.masked === true) return [];
    requireLiveRoot(ctx.root, "service");
    const unit = normalizeUnit(props.name);
    const shown = await show(unit, props.reload ? RELOAD_PROPERTIES : UNIT_PROPERTIES, ctx);
    const status = parseUnitStatus(shown);
    if (!isRunning(status)) return [];
    const did: string[] = [];
    if (status.needDaemonReload) {
      await run(unit, { line: "", argv: daemonReloadArgv() }, ctx);
      did.push(`daemon-reload (${unit} changed on disk)`);
    }
    const hazard = props.reload ? await reloadHazard(status, parseReloadTarget(shown), ctx) : null;
    const verb: UnitVerb = props.reload && hazard === null ? "reload" : "restart";
    await run(unit, { line: "", argv: unitArgv(verb, unit), verify: true }, ctx);
    if (verb === "reload") return [...did, `reloaded ${unit}`];
    return [...did, `restarted ${unit}${hazard === null ? "" : ` instead of reloading it: ${hazard}`}`];
  },
};
