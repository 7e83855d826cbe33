// fleet.yaml as loaded (read, parsed, validated, with the files its koji.content.include names) at a commit. A commit never changes, so each
// revision's file is read and validated once: a recompile of the revision in force (a builder
// registered in Koji, a new CRL, a pin) and the pinned revisions it compiles reuse it.
import { loadFleetFrom, type LoadFleetResult } from "../config/load-fleet.js";
import type { GitSource } from "../git/source.js";
import type { RevisionInfo } from "./state.js";

/** Head, the last good revision and a few pinned ones. */
const KEPT = 8;

export class FleetAtRevision {
  /** sha → what loading gave, oldest use first. Never mutated by its readers. */
  private readonly loaded = new Map<string, LoadFleetResult>();

  constructor(
    private readonly git: Pick<GitSource, "filesAt">,
    private readonly path: string,
  ) {}

  async load(revision: RevisionInfo): Promise<LoadFleetResult> {
    const kept = this.loaded.get(revision.sha);
    if (kept) {
      this.loaded.delete(revision.sha);
      this.loaded.set(revision.sha, kept);
      return kept;
    }
    const result = await loadFleetFrom(this.git.filesAt(revision.sha), this.path, `file not found at revision ${revision.shortSha}`);
    this.loaded.set(revision.sha, result);
    for (const sha of this.loaded.keys()) if (this.loaded.size > KEPT) this.loaded.delete(sha);
    return result;
  }
}
