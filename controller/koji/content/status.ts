// The declared objects and their state, as the API and the dashboard show them, from a pass's
// lines (lines.ts): an object is pending while a line about it is left to do, failed when the
// failed call's line is about it, converged otherwise; unmanaged objects come from the `?` lines.
// A line is about the most specific declared path it starts with: `+ tag a parent b` is about
// `tag a parent b`, not `tag a`.
import type { DesiredContent } from "./desired.js";

export type ObjectState = "converged" | "pending" | "failed" | "unmanaged";

export interface ContentObject {
  /** lines.ts's path: `tag mxos-10-build parent mxos-10`. */
  readonly path: string;
  /** What git says; none for an unmanaged object. */
  readonly declared?: "present" | "absent";
  readonly state: ObjectState;
}

/** Every declared object's path, with its declared state (an absent holder makes its entries absent too). */
export function declaredPaths(d: DesiredContent): Map<string, "present" | "absent"> {
  const out = new Map<string, "present" | "absent">();
  const put = (path: string, ...states: Array<"present" | "absent">) => out.set(path, states.includes("absent") ? "absent" : "present");
  for (const r of d.externalRepos) put(`external-repo ${r.name}`, r.state);
  for (const t of d.tags) {
    put(`tag ${t.name}`, t.state);
    for (const l of t.inheritance) put(`tag ${t.name} parent ${l.name}`, t.state, l.state);
    for (const r of t.external_repos) put(`tag ${t.name} external-repo ${r.name}`, t.state, r.state);
    for (const g of t.groups) {
      put(`tag ${t.name} group ${g.name}`, t.state, g.state);
      for (const p of g.packages) put(`tag ${t.name} group ${g.name} package ${p.name}`, t.state, g.state, p.state);
    }
    for (const p of t.packages) put(`tag ${t.name} package ${p.name}`, t.state, p.state);
  }
  for (const t of d.targets) put(`target ${t.name}`, t.state);
  for (const u of d.users) {
    put(`user ${u.name}`, u.state);
    for (const p of u.permissions) put(`user ${u.name} permission ${p.name}`, u.state, p.state);
  }
  for (const c of d.channels) put(`channel ${c.name}`, c.state);
  for (const cg of d.contentGenerators) for (const u of cg.users) put(`content-generator ${cg.name} user ${u.name}`, u.state);
  for (const b of d.btypes) put(`btype ${b}`, "present");
  return out;
}

/** The declared path a line is about, or null (a line about an object git no longer lists). */
export function pathOf(line: string, declared: ReadonlySet<string>): string | null {
  const rest = line.slice(2);
  let best: string | null = null;
  for (const p of declared) {
    if ((rest === p || rest.startsWith(`${p} `) || rest.startsWith(`${p}:`)) && p.length > (best?.length ?? -1)) best = p;
  }
  return best;
}

export function contentObjects(d: DesiredContent, lines: { readonly pending: readonly string[]; readonly failed: readonly string[]; readonly unmanaged: readonly string[] }): ContentObject[] {
  const declared = declaredPaths(d);
  const names = new Set(declared.keys());
  const about = (ls: readonly string[]) => new Set(ls.map((l) => pathOf(l, names)).filter((p): p is string => p !== null));
  const failed = about(lines.failed);
  const pending = about(lines.pending);
  const objects: ContentObject[] = [...declared].map(([path, state]) => ({
    path,
    declared: state,
    state: failed.has(path) ? "failed" : pending.has(path) ? "pending" : "converged",
  }));
  for (const l of lines.unmanaged) objects.push({ path: l.slice(2), state: "unmanaged" });
  return objects;
}
