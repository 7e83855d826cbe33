// Drift by file change: watches the parent directories of a set of paths and calls back,
// debounced, when one of them changes. Re-armed after every converge, because a directory
// deleted and re-created is a new inode that an old watcher no longer sees: a watcher is kept
// only while its directory is the one it was made on (same inode and birth time; Linux reuses
// inode numbers at once) and it saw no event about the directory itself (deleted or moved).
// Making every watcher again after each converge cost more than the checks of the hub's no-op
// converge. While a converge
// runs the watch holds: its own writes are not drift (they used to cost each change a second,
// no-op converge when the first outlasted the debounce), a change by anyone else still is.
import { statSync, watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";
import type { Resource, ResourceResult } from "../../shared/protocol.js";
import type { InventoryEntry } from "../engine/converge.js";
import type { KindRegistry } from "../kinds/index.js";
import { resolveUnderRoot } from "../providers/files.js";

const DEBOUNCE_MS = 500;

/** The absolute paths a catalog manages: the inventory's and each resource's managedPath, under root only. */
export function managedPaths(root: string, inventory: readonly { path: string }[], resources: readonly Resource[], kinds: KindRegistry): string[] {
  const paths = new Set<string>(inventory.map((e) => e.path));
  for (const r of resources) {
    const path = kinds.get(r.kind)?.managedPath?.(r.props as never);
    if (typeof path === "string") paths.add(path);
  }
  return underRoot(root, paths);
}

function underRoot(root: string, paths: Iterable<string>): string[] {
  const full: string[] = [];
  for (const p of paths) {
    try {
      full.push(resolveUnderRoot(root, p));
    } catch {
      // not under root: never managed, never watched
    }
  }
  return full;
}

/** The absolute paths a converge wrote or removed: those of its changed and pruned resources. */
export function writtenPaths(root: string, results: readonly ResourceResult[], inventories: readonly (readonly InventoryEntry[])[]): Set<string> {
  const touched = new Set(results.filter((r) => r.outcome === "changed" || r.outcome === "pruned").map((r) => r.id));
  return new Set(underRoot(root, inventories.flat().filter((e) => touched.has(e.id)).map((e) => e.path)));
}

/** A directory's identity as watch() resolves it (symlinks followed), or null when it is none. */
function identityOf(dir: string): string | null {
  const st = statSync(dir, { bigint: true, throwIfNoEntry: false });
  // Birth time where the filesystem keeps one (statx), else the inode's change time.
  return st?.isDirectory() ? `${st.dev}:${st.ino}:${st.birthtimeNs || st.ctimeNs}` : null;
}

interface DirWatch {
  watcher: FSWatcher;
  identity: string;
  /** An event named the directory itself (or nothing): it may be gone, watch it anew. */
  stale: boolean;
}

export class PathWatch {
  private watchers = new Map<string, DirWatch>();
  private paths = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  /** While held: the managed paths that changed (a directory's own path when the name is unknown). */
  private held: Set<string> | null = null;

  constructor(private readonly onChange: (path: string) => void) {}

  /** From now until arm(), changes are collected instead of reported; one pending report is dropped (the converge will see it). */
  hold(): void {
    this.stopTimer();
    this.held = new Set();
  }

  /**
   * Watches exactly these absolute paths from now on. Of the changes collected while held, any
   * outside `written` (the paths the converge itself wrote or removed) is reported.
   */
  arm(paths: Iterable<string>, written: ReadonlySet<string> = new Set()): void {
    const held = this.held;
    this.stopTimer();
    this.held = null;
    const external = held ? [...held].find((p) => !written.has(p)) : undefined;
    if (external !== undefined) this.report(external);
    this.paths = new Set(paths);
    const dirs = new Map([...new Set([...this.paths].map((p) => dirname(p)))].map((dir) => [dir, identityOf(dir)]));
    for (const [dir, w] of this.watchers) {
      if (!w.stale && dirs.get(dir) === w.identity) continue;
      w.watcher.close();
      this.watchers.delete(dir);
    }
    for (const [dir, identity] of dirs) {
      // null: the directory does not exist (yet): the next converge creates it and re-arms.
      if (identity === null || this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          const file = name === null ? null : String(name);
          const entry = this.watchers.get(dir);
          if ((file === null || file === basename(dir)) && entry?.watcher === w) entry.stale = true;
          this.changed(dir, file);
        });
        w.on("error", () => {
          w.close();
          if (this.watchers.get(dir)?.watcher === w) this.watchers.delete(dir);
        });
        this.watchers.set(dir, { watcher: w, identity, stale: false });
      } catch {
        // gone between the stat and the watch: as above
      }
    }
  }

  private changed(dir: string, name: string | null): void {
    const entry = name === null ? null : `${dir}/${name}`;
    // A named entry counts only when managed: the temp files of atomic writes are not.
    if (entry !== null && !this.paths.has(entry)) return;
    const path = entry ?? dir;
    if (this.held) this.held.add(path);
    else this.report(path);
  }

  private report(path: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.onChange(path);
    }, DEBOUNCE_MS);
    this.timer.unref();
  }

  close(): void {
    this.stopTimer();
    this.held = null;
    for (const w of this.watchers.values()) w.watcher.close();
    this.watchers.clear();
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
