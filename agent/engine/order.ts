// Topological order of a catalog. `requires` puts the dependency first; `notifies` also
// orders (the notifier first), because a refresh can only follow the change that caused it.
// Stable: among resources that are ready, catalog order wins, so an already ordered catalog
// comes out unchanged and plans are reproducible.
import type { Resource } from "../../shared/protocol.js";

export class CycleError extends Error {
  override name = "CycleError";
  constructor(readonly cycle: string[]) {
    super(`dependency cycle: ${cycle.join(" → ")}`);
  }
}

export class UnknownReferenceError extends Error {
  override name = "UnknownReferenceError";
  constructor(
    readonly id: string,
    readonly field: "requires" | "notifies",
    readonly reference: string,
  ) {
    super(`resource '${id}' ${field} unknown resource '${reference}'`);
  }
}

export class DuplicateIdError extends Error {
  override name = "DuplicateIdError";
  constructor(readonly id: string) {
    super(`duplicate resource id '${id}'`);
  }
}

/** For each resource index, the indices that must come before it. */
function predecessors(resources: readonly Resource[]): number[][] {
  const index = new Map<string, number>();
  resources.forEach((r, i) => {
    if (index.has(r.id)) throw new DuplicateIdError(r.id);
    index.set(r.id, i);
  });
  const before: number[][] = resources.map(() => []);
  resources.forEach((r, i) => {
    for (const field of ["requires", "notifies"] as const) {
      for (const ref of r[field]) {
        const j = index.get(ref);
        if (j === undefined) throw new UnknownReferenceError(r.id, field, ref);
        if (field === "requires") before[i]!.push(j);
        else before[j]!.push(i);
      }
    }
  });
  return before;
}

/** Walks "must come after" edges among the stuck resources until one repeats. */
function findCycle(resources: readonly Resource[], before: number[][], stuck: Set<number>): string[] {
  const start = Math.min(...stuck);
  const path: number[] = [];
  const seenAt = new Map<number, number>();
  let node = start;
  while (!seenAt.has(node)) {
    seenAt.set(node, path.length);
    path.push(node);
    // Every stuck resource waits on at least one other stuck resource.
    node = Math.min(...before[node]!.filter((j) => stuck.has(j)));
  }
  const cycle = path.slice(seenAt.get(node));
  // Start the cycle at its earliest resource in catalog order, for a stable message.
  const first = cycle.indexOf(Math.min(...cycle));
  const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
  return [...rotated, rotated[0]!].map((i) => resources[i]!.id);
}

export function orderResources(resources: readonly Resource[]): Resource[] {
  const before = predecessors(resources);
  const waiting = before.map((b) => new Set(b).size);
  const after: number[][] = resources.map(() => []);
  before.forEach((b, i) => new Set(b).forEach((j) => after[j]!.push(i)));

  const ready = waiting.flatMap((n, i) => (n === 0 ? [i] : []));
  const out: Resource[] = [];
  const done = new Set<number>();
  while (ready.length > 0) {
    const i = ready.shift()!; // `ready` is kept sorted by catalog index
    out.push(resources[i]!);
    done.add(i);
    for (const k of after[i]!) {
      if (--waiting[k]! === 0) {
        const at = ready.findIndex((r) => r > k);
        ready.splice(at === -1 ? ready.length : at, 0, k);
      }
    }
  }
  if (out.length < resources.length) {
    const stuck = new Set(resources.map((_, i) => i).filter((i) => !done.has(i)));
    throw new CycleError(findCycle(resources, before, stuck));
  }
  return out;
}
