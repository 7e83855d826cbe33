// Converges the Koji objects git implies (kojira's user and permission, the builders' host
// entries) through the hub's API, and tells the controller when a gate they hold changes: each
// registration opens that builder's gate, so kojid starts only after addHost (docs/pitfalls.md#pitfall-2);
// kojira's permission opens kojira's.
import { mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { ResourceResult } from "../../shared/protocol.js";
import type { Logger } from "../../shared/log.js";
import { writeFileAtomic } from "../../shared/atomic-file.js";
import { singleFlight } from "../../shared/single-flight.js";
import type { FleetConfig } from "../config/fleet-schema.js";
import { defaultsApplied } from "../config/defaults.js";
import { farmOf } from "../compile/farm.js";
import { credentialFiles } from "../../shared/koji/credentials.js";
import { KojiSession } from "../../shared/koji/session.js";
import { convergeKojiObjects, kojiraPermitted, registeredBuilders } from "./converge.js";
import { desiredKojiObjects } from "./objects.js";

export interface KojiSyncDeps {
  /** The fleet of the revision in force, or null before the first good revision. */
  fleet(): FleetConfig | null;
  hubUrl?: string;
  caFile: string;
  adminCertFile: string;
  /** Builders koji-fleet registered, kept across restarts so removed ones can be disabled. */
  ownedFile: string;
  /** `registered` or `kojiraPermitted` changed: the catalogs holding their gates change. */
  onGatesChanged(): void;
  log: Logger;
}

export class KojiObjectsSync {
  results: ResourceResult[] = [];
  registered: ReadonlySet<string> = new Set();
  kojiraPermitted = false;
  lastRunAt: string | null = null;
  readonly run: () => Promise<void>;

  constructor(private readonly d: KojiSyncDeps) {
    this.run = singleFlight(() => this.once());
  }

  private async owned(): Promise<Set<string>> {
    return new Set(JSON.parse(await readFile(this.d.ownedFile, "utf8").catch(() => "[]")) as string[]);
  }

  private async once(): Promise<void> {
    const fleet = this.d.fleet();
    if (!fleet) return;
    const resolved = defaultsApplied(fleet);
    const session = new KojiSession({
      hubUrl: this.d.hubUrl ?? farmOf(resolved).hubUrl,
      credentials: credentialFiles({ caFile: this.d.caFile, certFile: this.d.adminCertFile }),
      // createUser, grantPermission and the host calls need it: a login without it says so at once.
      requirePermission: "admin",
    });
    const owned = await this.owned();
    const report = await convergeKojiObjects(session, desiredKojiObjects(resolved), { owned });
    this.results = report.results;
    this.lastRunAt = new Date().toISOString();
    const next = registeredBuilders(report.results, this.registered);
    for (const failed of report.results.filter((r) => r.outcome === "failed")) this.d.log.warn({ id: failed.id, error: failed.error }, "Koji object not converged");
    const grown = [...next].filter((h) => !owned.has(h));
    if (grown.length > 0) {
      await mkdir(dirname(this.d.ownedFile), { recursive: true });
      await writeFileAtomic(this.d.ownedFile, JSON.stringify([...owned, ...grown].sort()), 0o600);
    }
    const permitted = kojiraPermitted(report.results, resolved.koji.kojiraUser, this.kojiraPermitted);
    const changed = next.size !== this.registered.size || [...next].some((h) => !this.registered.has(h)) || permitted !== this.kojiraPermitted;
    this.registered = next;
    this.kojiraPermitted = permitted;
    if (changed) this.d.onGatesChanged();
  }
}
