// What every family's planner reads: the desired and observed content, the inventory, lookups by
// name, and where unmanaged objects and conflicts are reported.
import { TagIdRef, type CallValue } from "./calls.js";
import type { DesiredContent, DesiredTag } from "./desired.js";
import type { ObservedContent, ObservedTagDetail } from "./observed.js";

export class PlanContext {
  readonly unmanaged: string[] = [];
  readonly conflicts: string[] = [];
  /** Tags this plan deletes: nothing inside them is planned (deleteTag takes it all). */
  readonly deletedTags = new Set<string>();
  /** Tags whose parents this plan changes: what they inherit now says nothing of what they will. */
  readonly relinkedTags = new Set<string>();
  private readonly tagIds: ReadonlyMap<string, number>;

  constructor(
    readonly desired: DesiredContent,
    readonly observed: ObservedContent,
    readonly owned: ReadonlySet<string>,
  ) {
    this.tagIds = new Map(observed.tags.map((t) => [t.name, t.id]));
  }

  tagExists(name: string): boolean {
    return this.tagIds.has(name);
  }

  /** The tag's id as setInheritanceData takes it: a number, or a reference to the id createTag will return. */
  tagId(name: string): CallValue {
    return this.tagIds.get(name) ?? new TagIdRef(name);
  }

  /** What the hub holds in a tag; empty for a tag this plan creates. */
  detail(name: string): ObservedTagDetail | undefined {
    return this.observed.tagDetails[name];
  }

  /**
   * Whether the tag can inherit anything, now or once this plan set its parents. A child's add is
   * then compared by Koji with what it inherits, which may itself be added earlier in this very
   * plan; such adds spell out every option and pass force, so Koji's answer does not depend on it.
   */
  mayInherit(tag: DesiredTag): boolean {
    return tag.inheritance.some((l) => l.state === "present") || (this.detail(tag.name)?.inheritance.length ?? 0) > 0;
  }

  /** What a declared group or package of the tag is compared with: its own entries, and the inherited ones unless this plan changes its parents. */
  comparable<T extends { readonly tag_id: number }>(tag: string, entries: ReadonlyMap<string, T>): ReadonlyMap<string, T> {
    if (!this.relinkedTags.has(tag)) return entries;
    const id = this.detail(tag)?.tag.id;
    return new Map([...entries].filter(([, e]) => e.tag_id === id));
  }

  /** Declared present tags whose inside is planned, parents first. */
  presentTags(): DesiredTag[] {
    return this.desired.tags.filter((t) => t.state === "present");
  }
}

/** A map of `xs` by `key`. */
export const mapBy = <T>(xs: readonly T[], key: (x: T) => string): Map<string, T> => new Map(xs.map((x) => [key(x), x]));
