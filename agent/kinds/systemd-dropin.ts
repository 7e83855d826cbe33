// `systemd-dropin`: one drop-in file /etc/systemd/system/<unit>.d/<name> (mode 0644, written
// atomically), then `systemctl daemon-reload`. It does not restart anything itself: list the
// service in its `notifies`, and the engine refreshes (restarts or reloads) it after a change.
//
// The file alone is not the truth: systemd may not have loaded it (the agent died between the
// write and the reload, or the reload failed). Observe therefore also asks systemd which drop-ins
// it has loaded (DropInPaths) and whether the unit changed on disk (NeedDaemonReload; systemd 252
// does not flag a drop-in in a new .d directory), and a stale systemd is a diff of its own.
import { createHash } from "node:crypto";
import { Type, type Static } from "@sinclair/typebox";
import { resolveUnderRoot, type FileStat } from "../providers/files.js";
import { daemonReloadArgv, DROPIN_PROPERTIES, failureOf, normalizeUnit, parseDropInStatus, requireLiveRoot, showArgv, type DropInStatus } from "../providers/systemd.js";
import { Ensure, formatMode, wrongTypeError } from "./common.js";
import type { Kind, KindContext } from "./kind.js";
import { UnitName } from "./service.js";

export const SystemdDropinPropsSchema = Type.Object(
  {
    unit: UnitName,
    /** File name in /etc/systemd/system/<unit>.d/; systemd reads only *.conf. */
    name: Type.String({ pattern: "^[A-Za-z0-9_@:+-][A-Za-z0-9_@:.+-]{0,200}\\.conf$" }),
    content: Type.String({ maxLength: 1_048_576 }),
    ensure: Type.Optional(Ensure),
  },
  { additionalProperties: false },
);
export type SystemdDropinProps = Static<typeof SystemdDropinPropsSchema>;

export interface SystemdDropinObserved {
  stat: FileStat | null;
  /** sha256 of the live file, when it is a regular file. */
  sha256: string | null;
  systemd: DropInStatus;
}

const MODE = 0o644;
const DIR_MODE = 0o755;
const sha256 = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");
const short = (hash: string): string => `${hash.slice(0, 12)}…`;

export const dropinPath = (p: SystemdDropinProps): string => `/etc/systemd/system/${normalizeUnit(p.unit)}.d/${p.name}`;

interface Plan {
  lines: string[];
  file: "none" | "write" | "remove";
  reload: boolean;
}

/** Why systemd's view of the unit differs from the disk, or null when it does not. */
function staleness(p: SystemdDropinProps, obs: SystemdDropinObserved, present: boolean): string | null {
  const { loadState, dropInPaths, needDaemonReload } = obs.systemd;
  // A unit that is not installed (yet) or masked loads no drop-ins: nothing to reload for.
  if (loadState === "not-found" || loadState === "masked") return null;
  const unit = normalizeUnit(p.unit);
  if (needDaemonReload) return `${unit} changed on disk`;
  const loaded = dropInPaths.includes(dropinPath(p));
  if (present && !loaded) return `systemd has not loaded ${p.name} for ${unit}`;
  if (!present && loaded) return `systemd still uses the removed ${p.name} for ${unit}`;
  return null;
}

function plan(p: SystemdDropinProps, obs: SystemdDropinObserved): Plan {
  const path = dropinPath(p);
  const { stat } = obs;
  const lines: string[] = [];
  let file: Plan["file"] = "none";
  if (p.ensure === "absent") {
    if (stat && stat.type !== "directory") {
      lines.push(`remove ${path}`);
      file = "remove";
    }
  } else if (!stat) {
    lines.push(`create ${path}`);
    file = "write";
  } else if (stat.type !== "file") {
    throw wrongTypeError(path, stat, "file");
  } else {
    const want = sha256(p.content);
    if (obs.sha256 !== want) lines.push(`${path}: content differs (sha256 ${short(obs.sha256 ?? "")} → ${short(want)})`);
    if (stat.mode !== MODE) lines.push(`${path}: mode ${formatMode(stat.mode)} → ${formatMode(MODE)}`);
    if (lines.length > 0) file = "write"; // rewritten whole: a drop-in is small, and atomic beats chmod in place
  }
  const stale = file === "none" ? staleness(p, obs, p.ensure !== "absent") : null;
  const reload = file !== "none" || stale !== null;
  if (reload) lines.push(stale ? `daemon-reload (${stale})` : "daemon-reload");
  return { lines, file, reload };
}

async function ensureDir(dir: string, ctx: KindContext): Promise<void> {
  const stat = await ctx.files.lstat(dir);
  if (stat?.type === "directory") return;
  if (stat) throw new Error(`${dir} exists and is not a directory`);
  await ctx.files.mkdir(dir, { mode: DIR_MODE }); // only the .d directory: /etc/systemd/system comes with systemd
}

async function systemctl(argv: readonly [string, ...string[]], ctx: KindContext): Promise<string> {
  const r = await ctx.exec.run({ argv, timeoutMs: 120_000, signal: ctx.signal });
  const failed = failureOf(r);
  if (failed) throw new Error(failed);
  return r.stdout;
}

export const systemdDropinKind: Kind<SystemdDropinProps, SystemdDropinObserved> = {
  name: "systemd-dropin",
  schema: SystemdDropinPropsSchema,
  // daemon-reload acts on the running systemd, which a sandbox does not have.
  appliesInSandbox: false,
  platforms: ["el", "fedora", "debian"],
  summary: (p) => `systemd drop-in ${dropinPath(p)}${p.ensure === "absent" ? " (absent)" : ""}`,
  managedPath: (p) => dropinPath(p),

  async observe(props, ctx) {
    requireLiveRoot(ctx.root, "systemd-dropin"); // the file and the daemon-reload must reach one system
    const full = resolveUnderRoot(ctx.root, dropinPath(props));
    const stat = await ctx.files.lstat(full);
    const live = stat?.type === "file" ? await ctx.files.readFile(full) : null;
    const systemd = parseDropInStatus(await systemctl(showArgv(normalizeUnit(props.unit), DROPIN_PROPERTIES), ctx));
    return { stat, sha256: live ? sha256(live) : null, systemd };
  },

  diff: (props, observed) => plan(props, observed).lines,

  async apply(props, observed, ctx) {
    const full = resolveUnderRoot(ctx.root, dropinPath(props));
    const { file, reload } = plan(props, observed);
    if (file === "write") {
      await ensureDir(resolveUnderRoot(ctx.root, `/etc/systemd/system/${normalizeUnit(props.unit)}.d`), ctx);
      await ctx.files.writeFileAtomic(full, props.content, { mode: MODE });
    }
    if (file === "remove") await ctx.files.unlink(full);
    if (reload) await systemctl(daemonReloadArgv(), ctx);
  },
};
