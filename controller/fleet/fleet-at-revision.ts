// fleet.yaml as loaded (read, parsed, validated) at a commit. A commit never changes, so each
// revision's file is read and validated once: a recompile of the revision in force (a builder
// registered in Koji, a new CRL, a pin) and the pinned revisions it compiles reuse it.
import type { ConfigError } from "../../shared/yaml-config.js";
import { loadFleet, type LoadFleetResult } from "../config/load-fleet.js";
import type { GitSource } from "../git/source.js";
import type { RevisionInfo } from "./state.js";

/** Head, the last good revision and a few pinned ones. */
const KEPT = 8;

export class FleetAtRevision {
  /** sha → what loading gave, oldest use first. Never mutated by its readers. */
  private readonly loaded = new Map<string, LoadFleetResult>();

  constructor(
    private readonly git: Pick<GitSource, "readFile">,
    private readonly path: string,
  ) {}

  async load(revision: RevisionInfo): Promise<LoadFleetResult> {
    const kept = this.loaded.get(revision.sha);
    if (kept) {
      this.loaded.delete(revision.sha);
      this.loaded.set(revision.sha, kept);
      return kept;
    }
    const source = await this.git.readFile(revision.sha, this.path);
    const result = source ? loadFleet(source, this.path) : { ok: false as const, errors: [notFound(this.path, revision)] };
    this.loaded.set(revision.sha, result);
    for (const sha of this.loaded.keys()) if (this.loaded.size > KEPT) this.loaded.delete(sha);
    return result;
  }
}

const notFound = (file: string, revision: RevisionInfo): ConfigError => ({ file, line: 1, col: 1, message: `file not found at revision ${revision.shortSha}` });
