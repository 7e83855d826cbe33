// Schema pieces and helpers shared by the file-like kinds.
import { Type } from "@sinclair/typebox";
import * as path from "node:path";
import { UnsafePathError, resolveUnderRoot, type FileStat } from "../providers/files.js";
import type { KindContext } from "./kind.js";

export { AbsolutePath, Mode, Principal } from "../../shared/props-schema.js";
export const Ensure = Type.Union([Type.Literal("present"), Type.Literal("absent")]);

export const parseMode = (mode: string): number => parseInt(mode, 8);
export const formatMode = (mode: number): string => `0${mode.toString(8).padStart(3, "0")}`;

/** Desired numeric owner/group; a field is absent when that id is not managed. */
export interface Ownership {
  uid?: number;
  gid?: number;
}

/**
 * Resolves owner/group names to ids during observe, so diff stays pure.
 * In sandbox mode ownership is not managed: the accounts a catalog names (koji, apache)
 * do not exist on the machine running the sandbox, and an unprivileged agent could not
 * chown anyway. The live owner is still observed, it is just never diffed.
 */
export async function desiredOwnership(props: { owner?: string; group?: string }, ctx: KindContext): Promise<Ownership> {
  if (ctx.sandbox) return {};
  const out: Ownership = {};
  if (props.owner !== undefined) out.uid = await ctx.files.userId(props.owner);
  if (props.group !== undefined) out.gid = await ctx.files.groupId(props.group);
  return out;
}

/** Diff lines for mode and ownership of an existing path. */
export function attributeChanges(stat: FileStat, mode: number, want: Ownership): string[] {
  const lines: string[] = [];
  if (stat.mode !== mode) lines.push(`mode ${formatMode(stat.mode)} → ${formatMode(mode)}`);
  if (want.uid !== undefined && stat.uid !== want.uid) lines.push(`owner ${stat.uid} → ${want.uid}`);
  if (want.gid !== undefined && stat.gid !== want.gid) lines.push(`group ${stat.gid} → ${want.gid}`);
  return lines;
}

/** Applies what attributeChanges reported, and nothing else. */
export async function fixAttributes(full: string, stat: FileStat, mode: number, want: Ownership, ctx: KindContext): Promise<void> {
  const uid = want.uid !== undefined && stat.uid !== want.uid ? want.uid : -1;
  const gid = want.gid !== undefined && stat.gid !== want.gid ? want.gid : -1;
  // Through a descriptor of the observed inode: a path swapped since observe is refused, not followed.
  if (stat.mode !== mode || uid !== -1 || gid !== -1) await ctx.files.setAttributes(full, stat, { mode, uid, gid });
}

/**
 * File-like kinds do not create parents on a real host: a missing /var/lib/pgsql/data means
 * initdb has not run, and writing into it would make initdb refuse the directory. A sandbox
 * root starts empty and stands in for the OS, so there the parents the OS would provide
 * (/etc, /usr/local/bin, …) are created with mode 0755.
 */
export async function requireParent(catalogPath: string, ctx: KindContext): Promise<void> {
  const missing: string[] = [];
  for (let dir = path.posix.dirname(catalogPath); dir !== "/"; dir = path.posix.dirname(dir)) {
    if (await ctx.files.lstat(resolveUnderRoot(ctx.root, dir))) break;
    missing.unshift(dir);
  }
  if (missing.length === 0) return;
  if (!ctx.sandbox) {
    throw new Error(`parent directory ${missing.at(-1)} of ${catalogPath} does not exist (manage it with a directory resource and require it)`);
  }
  for (const dir of missing) await ctx.files.mkdir(resolveUnderRoot(ctx.root, dir), { mode: 0o755 });
}

/** A type word for diff lines: "file", "directory", "symlink", "special file". */
export const describeType = (stat: FileStat): string => (stat.type === "other" ? "special file" : stat.type);

/** The error for a path that holds the wrong type: a symlink there is a security matter, never replaced nor followed. */
export function wrongTypeError(catalogPath: string, stat: FileStat, wanted: string): Error {
  const message = `${catalogPath} is a ${describeType(stat)}; refusing to replace it with a ${wanted}`;
  return stat.type === "symlink" ? new UnsafePathError(`${message} (a symlink is never replaced or followed)`) : new Error(message);
}
