// `mount`: a filesystem in /etc/fstab and, for ensure "mounted", mounted with those options.
// Hub, kojira and builders mount the Koji tree from the NFS server (docs/pitfalls.md#pitfall-7): rw for
// hub/kojira, ro for builders. The kind never unmounts a tree to switch its source or to
// change options a remount cannot change: httpd/kojid/kojira have files open under it, so
// that step is left to a human (the resource fails saying so).
import * as path from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { resolveUnderRoot, type FileStat } from "../providers/files.js";
import { daemonReloadArgv, editFstab, fstabEntriesFor, fstabHas, missingOptions, mountArgv, readMount, remountArgv, renderFstabLine, runMount, sameDevice, umountArgv, type FstabEntry, type LiveMount } from "../providers/mount.js";
import { AbsolutePath } from "./common.js";
import type { Kind, KindContext } from "./kind.js";

const Field = Type.String({ pattern: "^\\S+$", maxLength: 4096 });

export const MountPropsSchema = Type.Object(
  {
    path: AbsolutePath,
    /** "cs10-koji-02.mx-os:/mnt/koji", "/dev/vdb1", "UUID=…". */
    device: Type.String({ minLength: 1, maxLength: 4096, pattern: "^[^\\n]+$" }),
    fstype: Type.String({ pattern: "^[a-z0-9_.]{1,32}$" }),
    /** fstab options, comma-separated; default "defaults". */
    options: Type.Optional(Field),
    dump: Type.Optional(Type.Integer({ minimum: 0, maximum: 1 })),
    pass: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 })),
    /** mounted (default): fstab line and mounted; present: fstab line only; absent: neither. */
    ensure: Type.Optional(Type.Union([Type.Literal("mounted"), Type.Literal("present"), Type.Literal("absent")])),
  },
  { additionalProperties: false },
);
export type MountProps = Static<typeof MountPropsSchema>;

export interface MountObserved {
  fstab: string | null;
  fstabStat: FileStat | null;
  mountpoint: FileStat | null;
  /** null when nothing is mounted at path, or when not looked at (ensure present). */
  live: LiveMount | null;
}

const FSTAB = "/etc/fstab";
const ensureOf = (p: MountProps) => p.ensure ?? "mounted";
const wanted = (p: MountProps): FstabEntry => ({ device: p.device, path: p.path, fstype: p.fstype, options: p.options ?? "defaults", dump: p.dump ?? 0, pass: p.pass ?? 0 });

interface Plan {
  lines: string[];
  fstab: string | null; // new fstab text when it changes
  mkdir: boolean;
  command: "mount" | "remount" | "umount" | null;
  refuse: string | null;
}

function plan(props: MountProps, obs: MountObserved): Plan {
  const p: Plan = { lines: [], fstab: null, mkdir: false, command: null, refuse: null };
  const text = obs.fstab ?? "";
  const ensure = ensureOf(props);
  if (ensure === "absent") {
    if (obs.live) {
      p.lines.push(`unmount ${props.path}`);
      p.command = "umount";
    }
    if (fstabEntriesFor(text, props.path).length > 0) {
      p.lines.push(`fstab line for ${props.path} present → absent`);
      p.fstab = editFstab(text, props.path, null);
    }
    return p;
  }
  const want = wanted(props);
  if (!fstabHas(text, want)) {
    const old = fstabEntriesFor(text, props.path).map(renderFstabLine);
    p.lines.push(old.length === 0 ? `fstab: add "${renderFstabLine(want)}"` : `fstab: "${old.join('", "')}" → "${renderFstabLine(want)}"`);
    p.fstab = editFstab(text, props.path, want);
  }
  if (ensure === "present") return p;
  if (obs.live && !sameDevice(obs.live, want)) {
    p.lines.push(`${props.path} is mounted from ${obs.live.source} (${obs.live.fstype}), not ${want.device} (${want.fstype})`);
    p.refuse = `${props.path} is mounted from ${obs.live.source}; unmount it by hand (umount ${props.path}) and the next converge mounts ${want.device}`;
  } else if (obs.live) {
    const lacking = missingOptions(want.options, obs.live.options);
    if (lacking.length > 0) {
      p.lines.push(`remount ${props.path} (mounted without ${lacking.join(", ")})`);
      p.command = "remount";
    }
  } else if (obs.mountpoint && obs.mountpoint.type !== "directory") {
    p.lines.push(`${props.path} is a ${obs.mountpoint.type}, not a directory to mount on`);
    p.refuse = `${props.path} is a ${obs.mountpoint.type}; refusing to replace it with a mountpoint`;
  } else {
    if (!obs.mountpoint) {
      p.lines.push(`create mountpoint ${props.path}`);
      p.mkdir = true;
    }
    p.lines.push(`mount ${props.path}`);
    p.command = "mount";
  }
  return p;
}

async function mkdirs(catalogPath: string, ctx: KindContext): Promise<void> {
  const missing: string[] = [];
  for (let d = catalogPath; d !== "/" && !(await ctx.files.lstat(resolveUnderRoot(ctx.root, d))); d = path.posix.dirname(d)) missing.unshift(d);
  for (const d of missing) await ctx.files.mkdir(resolveUnderRoot(ctx.root, d), { mode: 0o755 });
}

export const mountKind: Kind<MountProps, MountObserved> = {
  name: "mount",
  schema: MountPropsSchema,
  appliesInSandbox: false,
  platforms: ["el", "fedora"],
  summary: (p) => `${ensureOf(p) === "absent" ? "no mount at" : "mount"} ${p.path}${ensureOf(p) === "absent" ? "" : ` from ${p.device} (${p.fstype})`}`,

  async observe(props, ctx) {
    const fstabPath = resolveUnderRoot(ctx.root, FSTAB);
    const fstab = (await ctx.files.readFile(fstabPath))?.toString("utf8") ?? null;
    const live = ensureOf(props) === "present" ? null : await readMount({ exec: ctx.exec, signal: ctx.signal }, props.path);
    return { fstab, fstabStat: await ctx.files.lstat(fstabPath), mountpoint: await ctx.files.lstat(resolveUnderRoot(ctx.root, props.path)), live };
  },

  diff: (props, observed) => plan(props, observed).lines,

  async apply(props, observed, ctx) {
    const t = { exec: ctx.exec, signal: ctx.signal };
    const p = plan(props, observed);
    if (p.refuse) throw new Error(p.refuse);
    // Unmount before the line goes, so a failing umount (busy) leaves fstab describing reality.
    if (p.command === "umount") await runMount(t, umountArgv(props.path));
    if (p.mkdir) await mkdirs(props.path, ctx);
    if (p.fstab !== null) {
      const st = observed.fstabStat;
      await ctx.files.writeFileAtomic(resolveUnderRoot(ctx.root, FSTAB), p.fstab, { mode: st?.mode ?? 0o644, uid: st?.uid, gid: st?.gid });
      // systemd generates .mount units from fstab; without a reload it keeps the old ones and
      // mount(8) prints "your fstab has been modified, but systemd still uses the old version".
      await runMount(t, daemonReloadArgv());
    }
    if (p.command === "mount") await runMount(t, mountArgv(props.path));
    if (p.command === "remount") await runMount(t, remountArgv(props.path));
  },
};
