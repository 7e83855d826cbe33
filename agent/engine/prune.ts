// Pruning (habit 7): remove what an earlier converge created and no resource manages any
// more. Only paths recorded with `created: true` are candidates, so files that existed before
// the agent managed them are never deleted; directories go only when empty.
import { performance } from "node:perf_hooks";
import type { ResourceResult } from "../../shared/protocol.js";
import { resolveUnderRoot, type Files } from "../providers/files.js";
import type { Logger } from "../../shared/log.js";
import { toError } from "./deadline.js";

export interface InventoryEntry {
  id: string;
  kind: string;
  path: string;
  created: boolean;
}

export interface PruneOptions {
  root: string;
  noop: boolean;
  files: Files;
  log: Logger;
}

/** Depth first, so a created directory is emptied of created files before its own turn. */
const deepestFirst = (a: InventoryEntry, b: InventoryEntry): number => b.path.split("/").length - a.path.split("/").length;

/** Entries no resource manages any more, whose paths we created. */
export function pruneCandidates(previous: readonly InventoryEntry[], current: readonly InventoryEntry[]): InventoryEntry[] {
  const managed = new Set(current.map((e) => e.path));
  return previous.filter((e) => e.created && !managed.has(e.path)).sort(deepestFirst);
}

/** Removes candidates; returns their results and the entries still owned (not removed). */
export async function prune(candidates: readonly InventoryEntry[], opts: PruneOptions): Promise<{ results: ResourceResult[]; kept: InventoryEntry[] }> {
  const results: ResourceResult[] = [];
  const kept: InventoryEntry[] = [];
  for (const entry of candidates) {
    const started = performance.now();
    const report = (outcome: ResourceResult["outcome"], changes: string[], error?: string): void => {
      results.push({ id: entry.id, kind: entry.kind, outcome, changes, ...(error !== undefined && { error }), durationMs: Math.round(performance.now() - started) });
    };
    try {
      const full = resolveUnderRoot(opts.root, entry.path);
      const stat = await opts.files.lstat(full);
      if (!stat) continue; // already gone: nothing to own any more
      if (opts.noop) {
        kept.push(entry);
        report("would-change", [`would remove ${entry.path}`]);
        continue;
      }
      if (stat.type === "directory") {
        try {
          await opts.files.rmdir(full);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "ENOTEMPTY") throw err;
          kept.push(entry); // still ours: retried on the next converge
          report("skipped", [], `not pruned: ${entry.path} is not empty`);
          continue;
        }
      } else {
        await opts.files.unlink(full);
      }
      opts.log.info({ id: entry.id, path: entry.path }, "pruned");
      report("pruned", [`removed ${entry.path}`]);
    } catch (err) {
      kept.push(entry);
      report("failed", [], `prune of ${entry.path} failed: ${toError(err).message}`);
    }
  }
  return { results, kept };
}
