// The one rule every object family follows, entry by entry:
//   declared present, missing        → create
//   declared present, differs        → update
//   declared absent, exists here     → delete
//   not declared, created by us      → delete ("dropped": git no longer lists it)
//   not declared, not created by us  → unmanaged: reported, never touched
// `seen` is what a declared entry is compared with (for groups and packages it includes what the
// tag inherits); `own` is what this holder itself has, the only thing that can be deleted or
// reported. For flat families both are the same map.
import type { State } from "../../config/koji-content-schema.js";

export type Decision<D, O> =
  | { readonly kind: "create"; readonly name: string; readonly want: D }
  | { readonly kind: "update"; readonly name: string; readonly want: D; readonly have: O }
  | { readonly kind: "delete"; readonly name: string; readonly have: O; readonly dropped: boolean }
  | { readonly kind: "unmanaged"; readonly name: string; readonly have: O };

export interface DecideOptions<D, O> {
  readonly seen: ReadonlyMap<string, O>;
  readonly own?: ReadonlyMap<string, O>;
  /** Inventory key of an entry. */
  readonly key: (name: string) => string;
  readonly owned: ReadonlySet<string>;
  /** Entries never reported unmanaged (Koji's built-ins, users fleet.yaml names elsewhere). */
  readonly known?: ReadonlySet<string>;
  readonly same: (want: D, have: O) => boolean;
}

export function decide<D extends { readonly name: string; readonly state: State }, O>(want: readonly D[], o: DecideOptions<D, O>): Decision<D, O>[] {
  const own = o.own ?? o.seen;
  const out: Decision<D, O>[] = [];
  const declared = new Set<string>();
  for (const d of want) {
    declared.add(d.name);
    if (d.state === "absent") {
      const have = own.get(d.name);
      if (have !== undefined) out.push({ kind: "delete", name: d.name, have, dropped: false });
      continue;
    }
    const have = o.seen.get(d.name);
    if (have === undefined) out.push({ kind: "create", name: d.name, want: d });
    else if (!o.same(d, have)) out.push({ kind: "update", name: d.name, want: d, have });
  }
  for (const [name, have] of [...own].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (declared.has(name)) continue;
    if (o.owned.has(o.key(name))) out.push({ kind: "delete", name, have, dropped: true });
    else if (!o.known?.has(name)) out.push({ kind: "unmanaged", name, have });
  }
  return out;
}

/** Calls that create or change go first, in dependency order; deletions after everything, in reverse. */
export interface FamilyPlan<C> {
  readonly forward: readonly C[];
  readonly reverse: readonly C[];
}
