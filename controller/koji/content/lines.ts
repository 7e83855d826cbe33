// The lines `koji-fleet plan` prints for Koji's content: one grammar for every object.
//   + <path> [key=value …]            created (or added to its tag)
//   ~ <path>: key old → new, …         changed
//   - <path> [(no longer declared)]    deleted (state: absent, or created by koji-fleet and dropped from git)
//   ? <path>                           in the hub, neither declared nor created by koji-fleet: left alone
//   ! <path>: why                      declared, but cannot be done without touching an unmanaged object
// A path names the object and what holds it: `tag mxos-10-build parent mxos-10`,
// `tag mxos-10-build group build package bash`, `user alice permission build`.
import { canonicalJson } from "../../../shared/canonical.js";

export type Diff = readonly [key: string, before: unknown, after: unknown];

/** A value as people read it: lists and arch strings space separated, none as (none). */
export function show(v: unknown): string {
  if (v === null || v === undefined || v === "") return "(none)";
  if (Array.isArray(v)) return v.length === 0 ? "(none)" : v.map(show).join(" ");
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

export const created = (path: string, attrs: ReadonlyArray<readonly [string, unknown]> = []): string =>
  [`+ ${path}`, ...attrs.map(([k, v]) => `${k}=${show(v)}`)].join(" ");

export const changed = (path: string, diffs: readonly Diff[]): string => `~ ${path}: ${diffs.map(([k, a, b]) => `${k} ${show(a)} → ${show(b)}`).join(", ")}`;

export const deleted = (path: string, dropped: boolean, note = ""): string => `- ${path}${dropped ? " (no longer declared)" : ""}${note}`;

export const unmanagedLine = (path: string, note = ""): string => `? ${path}${note}`;

export const conflictLine = (path: string, why: string): string => `! ${path}: ${why}`;

/** Equal as JSON, whatever the key order. */
export const sameValue = (a: unknown, b: unknown): boolean => canonicalJson(a ?? null) === canonicalJson(b ?? null);

/** The fields of `want` that differ from `have`, compared as JSON (null and missing alike). */
export function diffs<F extends string>(want: { readonly [K in F]: unknown }, have: { readonly [K in F]: unknown }, fields: readonly F[]): Diff[] {
  return fields.filter((f) => !sameValue(want[f], have[f])).map((f) => [f, have[f], want[f]] as const);
}
