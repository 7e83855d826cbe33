// A planned hub call: the method, its positional and keyword arguments exactly as Koji's API
// takes them, the lines `koji-fleet plan` prints for it, and what it does to the inventory of
// objects koji-fleet created (the "owned" set: only those are deleted when git stops listing
// them). Pure data; the IO half resolves TagIdRefs and sends the call.

/**
 * The id of a tag, for setInheritanceData (its links name parents by id). Tags that exist are
 * given by number at plan time; a tag this plan creates is known only once createTag answered.
 */
export class TagIdRef {
  constructor(readonly tag: string) {}
  toJSON(): { $tagId: string } {
    return { $tagId: this.tag };
  }
}

export type CallValue = null | boolean | number | string | TagIdRef | readonly CallValue[] | { readonly [key: string]: CallValue };

export interface PlannedCall {
  readonly method: string;
  readonly args: readonly CallValue[];
  /** Python keyword arguments (sent as Koji's trailing `__starstar` struct); {} for none. */
  readonly kwargs: Readonly<Record<string, CallValue>>;
  /** What it changes, for people: `+ tag mxos-10-build arches=x86_64`. A follow-up call of a change already shown has none. */
  readonly lines: readonly string[];
  /** Inventory keys it creates: owned once it succeeded. */
  readonly creates: readonly string[];
  /** Inventory keys it deletes, each with every key below it (`tag:x` takes `tag:x/…`). */
  readonly deletes: readonly string[];
}

export interface ContentPlan {
  /** In order: what others depend on first, deletions last and in reverse. */
  readonly calls: readonly PlannedCall[];
  /** Objects in the hub neither declared nor created by koji-fleet: reported, never touched. */
  readonly unmanaged: readonly string[];
  /** Declared changes that cannot be made without touching an unmanaged object: not planned. */
  readonly conflicts: readonly string[];
}

export const call = (method: string, args: CallValue[], kwargs: Record<string, CallValue> = {}, lines: string[] = [], effect: { creates?: string[]; deletes?: string[] } = {}): PlannedCall => ({
  method,
  args,
  kwargs,
  lines,
  creates: effect.creates ?? [],
  deletes: effect.deletes ?? [],
});

/** Replaces each TagIdRef by the tag's id; `ids` holds the hub's tags and the ids createTag returned. */
export function resolveTagIds(value: CallValue, ids: ReadonlyMap<string, number>): unknown {
  if (value instanceof TagIdRef) {
    const id = ids.get(value.tag);
    if (id === undefined) throw new Error(`tag '${value.tag}' has no id: it was neither read nor created`);
    return id;
  }
  if (Array.isArray(value)) return value.map((v: CallValue) => resolveTagIds(v, ids));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveTagIds(v as CallValue, ids)]));
  return value;
}

const under = (key: string, root: string): boolean => key === root || key.startsWith(`${root}/`);

/** The inventory after `done` succeeded. */
export function ownedAfter(owned: Iterable<string>, done: readonly PlannedCall[]): Set<string> {
  const out = new Set(owned);
  for (const c of done) {
    for (const root of c.deletes) for (const k of [...out]) if (under(k, root)) out.delete(k);
    for (const k of c.creates) out.add(k);
  }
  return out;
}

/**
 * Inventory keys. Koji names never hold ':' (RegexNameInternal, RegexUserName), so
 * `tag:a/b/parent:c` reads one way only.
 */
export const keys = {
  tag: (t: string) => `tag:${t}`,
  parent: (t: string, p: string) => `tag:${t}/parent:${p}`,
  tagRepo: (t: string, r: string) => `tag:${t}/external-repo:${r}`,
  group: (t: string, g: string) => `tag:${t}/group:${g}`,
  groupPackage: (t: string, g: string, p: string) => `tag:${t}/group:${g}/package:${p}`,
  package: (t: string, p: string) => `tag:${t}/package:${p}`,
  externalRepo: (r: string) => `external-repo:${r}`,
  target: (t: string) => `target:${t}`,
  user: (u: string) => `user:${u}`,
  permission: (u: string, p: string) => `user:${u}/permission:${p}`,
  channel: (c: string) => `channel:${c}`,
  cgUser: (cg: string, u: string) => `content-generator:${cg}/user:${u}`,
  btype: (b: string) => `btype:${b}`,
};
