// What the agent remembers across restarts: the last catalog it accepted, what it applied,
// and the inventory of paths it manages. Written atomically; a corrupt file is set aside.
import { mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import type { AppliedRef, Catalog } from "../../shared/protocol.js";
import { decodeCatalog } from "../../shared/validate.js";
import type { Files } from "../providers/files.js";
import type { InventoryEntry } from "../engine/converge.js";

export interface LocalState {
  catalog: Catalog | null;
  applied: AppliedRef | null;
  observed: AppliedRef | null;
  inventory: InventoryEntry[];
  /** Refreshes (restarts…) owed by an earlier converge that did not complete them. */
  pendingRefresh: string[];
}

export const emptyState = (): LocalState => ({ catalog: null, applied: null, observed: null, inventory: [], pendingRefresh: [] });

export class StateStore {
  private readonly file: string;
  constructor(
    dir: string,
    private readonly files: Files,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = join(dir, "state.json");
  }

  load(): LocalState {
    let raw: string;
    try {
      raw = readFileSync(this.file, "utf8");
    } catch {
      return emptyState();
    }
    try {
      const s = JSON.parse(raw) as LocalState;
      return { ...emptyState(), ...s, catalog: s.catalog ? decodeCatalog(JSON.stringify(s.catalog)) : null };
    } catch {
      // Keep the evidence, start clean: the controller will send the catalog again.
      renameSync(this.file, `${this.file}.corrupt-${Date.now()}`);
      return emptyState();
    }
  }

  async save(state: LocalState): Promise<void> {
    await this.files.writeFileAtomic(this.file, Buffer.from(JSON.stringify(state)), { mode: 0o600 });
  }
}
