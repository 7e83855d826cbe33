// Drift by file change: watches the parent directories of a set of paths and calls back,
// debounced, when one of them changes. Re-armed after every converge, because a directory
// deleted and re-created is a new inode that an old watcher no longer sees.
import { watch, type FSWatcher } from "node:fs";
import { dirname } from "node:path";
import type { Resource } from "../shared/protocol.js";
import type { KindRegistry } from "./kinds/index.js";
import { resolveUnderRoot } from "./providers/files.js";

const DEBOUNCE_MS = 500;

/** The absolute paths a catalog manages: the inventory's and each resource's managedPath, under root only. */
export function managedPaths(root: string, inventory: readonly { path: string }[], resources: readonly Resource[], kinds: KindRegistry): string[] {
  const paths = new Set<string>(inventory.map((e) => e.path));
  for (const r of resources) {
    const path = kinds.get(r.kind)?.managedPath?.(r.props as never);
    if (typeof path === "string") paths.add(path);
  }
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

export class PathWatch {
  private watchers = new Map<string, FSWatcher>();
  private paths = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly onChange: (dir: string, name: string | null) => void) {}

  /** Watches exactly these absolute paths from now on. */
  arm(paths: Iterable<string>): void {
    this.close();
    this.paths = new Set(paths);
    for (const dir of new Set([...this.paths].map((p) => dirname(p)))) {
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => this.changed(dir, name === null ? null : String(name)));
        w.on("error", () => {
          w.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, w);
      } catch {
        // The directory does not exist (yet): the next converge creates it and re-arms.
      }
    }
  }

  private changed(dir: string, name: string | null): void {
    if (name !== null && !this.paths.has(`${dir}/${name}`) && !this.paths.has(dir)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.onChange(dir, name);
    }, DEBOUNCE_MS);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
