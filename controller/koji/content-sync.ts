// Converges Koji's content (koji.content of the revision in force) through the hub's API, after
// the Koji objects pass and only while the hub is Ready at its catalog: one pass (content/apply.ts),
// its inventory of created objects kept in its own file (read once, then held in memory and
// written only when it changes), an event per call, and drift (an object
// changed by hand at a revision already converged) repaired or only reported, per
// koji.content.drift. Events follow transitions: a failure or a drift that stays the same is not
// told again on every timer tick.
import { mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { writeFileAtomic } from "../../shared/atomic-file.js";
import type { Logger } from "../../shared/log.js";
import type { FleetEvent } from "../../shared/protocol.js";
import type { KojiContentStatus } from "../../shared/api/fleet.js";
import { singleFlight } from "../../shared/single-flight.js";
import { iso, type Clock } from "../../shared/time.js";
import { credentialFiles } from "../../shared/koji/credentials.js";
import { KojiSession } from "../../shared/koji/session.js";
import { defaultsApplied, hostsWith, type ResolvedFleet } from "../config/defaults.js";
import type { FleetConfig } from "../config/fleet-schema.js";
import { farmOf } from "../compile/farm.js";
import { controllerEvent } from "../fleet/events.js";
import type { HostView } from "../../shared/api/hosts.js";
import { contentScope, convergeContent, type ContentPassReport } from "./content/apply.js";
import { planContent, planLines } from "./content/plan.js";
import { readContent } from "./content/read.js";
import { desiredContent } from "./content/desired.js";
import { contentObjects } from "./content/status.js";

export interface KojiContentSyncDeps {
  /** The fleet of the revision in force, and that revision's sha; null before the first good one. */
  fleet(): FleetConfig | null;
  revision(): string | null;
  /** The host views (FleetState.host), for the gate. */
  hostView(host: string): HostView | null;
  hubUrl?: string;
  caFile: string;
  adminCertFile: string;
  /** The inventory and the revision last converged, kept across restarts; read once, by the first pass. */
  stateFile: string;
  emit(e: FleetEvent): void;
  clock: Clock;
  log: Logger;
}

/** What the state file holds. */
interface Saved {
  readonly owned: readonly string[];
  /** The revision whose content the hub last matched: differences found at it are drift. */
  readonly convergedRevision: string | null;
}

/** Open when every hub host is Ready at its catalog (the agent applied it and its probes pass). */
export function hubGate(fleet: ResolvedFleet, view: (host: string) => HostView | null): { open: boolean; reason: string } {
  const hubs = hostsWith(fleet, "hub");
  if (hubs.length === 0) return { open: false, reason: "no host has the hub role" };
  for (const h of hubs) {
    const v = view(h.name);
    if (v?.phase !== "Ready") return { open: false, reason: `waiting for hub ${h.name} to be Ready (${v ? `${v.phase}: ${v.conditions[0]?.message ?? ""}` : "no status yet"})` };
  }
  return { open: true, reason: `hub ${hubs.map((h) => h.name).join(", ")} Ready` };
}

const NOT_DECLARED: KojiContentStatus = {
  declared: false, policy: "repair", gate: { open: false, reason: "the revision in force declares no koji.content" },
  lastRunAt: null, revision: null, convergedRevision: null, applied: [], pending: [], drift: [], unmanaged: [], conflicts: [], failures: [], objects: [],
};

export class KojiContentSync {
  status: KojiContentStatus = NOT_DECLARED;
  readonly run: () => Promise<void>;
  /** The last failure and drift told, so that one staying the same is not told again. */
  private told = { failure: "", drift: "" };
  /**
   * The state file as last read or written: only this instance writes it (the leader's), so
   * after the first read it is the file, and a pass on the timer reads nothing from disk.
   */
  private saved: Saved | null = null;

  constructor(private readonly d: KojiContentSyncDeps) {
    this.run = singleFlight(() => this.once());
  }

  private async once(): Promise<void> {
    const fleet = this.d.fleet();
    if (!fleet) return;
    const content = fleet.koji?.content;
    if (!content) return void (this.status = NOT_DECLARED);
    const resolved = defaultsApplied(fleet);
    const policy = content.drift ?? "repair";
    const gate = hubGate(resolved, (h) => this.d.hostView(h));
    this.status = { ...this.status, declared: true, policy, gate };
    if (!gate.open) return;

    const revision = this.d.revision();
    const saved = await this.load();
    const desired = desiredContent(fleet);
    const atConverged = saved.convergedRevision !== null && saved.convergedRevision === revision;
    const session = this.session(resolved);
    let report: ContentPassReport;
    try {
      report = await convergeContent(session, desired, { owned: new Set(saved.owned), write: !atConverged || policy === "repair" });
    } catch (err) {
      // The first read failed: nothing is known, nothing was changed.
      const failure = { method: "read", lines: [], error: (err as Error).message };
      this.tellFailure(failure, revision);
      this.status = { ...this.status, lastRunAt: iso(this.d.clock()), revision, failures: [failure] };
      return;
    }
    const found = report.found.calls.flatMap((c) => c.lines);
    const drift = atConverged ? found : [];
    if (drift.length > 0 && drift.join("\n") !== this.told.drift) {
      const action = policy === "repair" ? "repaired" : "reported, not changed (koji.content.drift: report)";
      this.d.emit(controllerEvent(this.d.clock, "koji-drift", "warning", `Koji content differs from revision ${revision?.slice(0, 12) ?? "?"}, which it matched: ${drift.length} change(s) ${action}: ${drift.join("; ")}`, { ...(revision && { revision }), data: { lines: drift, policy } }));
    }
    this.told.drift = drift.join("\n");
    for (const c of report.applied) {
      this.d.emit(controllerEvent(this.d.clock, "koji-changed", "info", `${c.method}: ${c.lines.join("; ") || "(follow-up of the change above)"}`, { ...(revision && { revision }), data: { method: c.method, lines: c.lines } }));
    }
    if (report.failure) this.tellFailure(report.failure, revision);
    else this.told.failure = "";

    const converged = !report.failure && report.left.calls.length === 0;
    const next: Saved = { owned: [...report.owned].sort(), convergedRevision: converged ? revision : saved.convergedRevision };
    if (JSON.stringify(next) !== JSON.stringify(saved)) await this.save(next);

    const pending = [...report.left.calls.flatMap((c) => c.lines), ...report.left.conflicts];
    this.status = {
      ...this.status,
      lastRunAt: iso(this.d.clock()),
      revision,
      convergedRevision: next.convergedRevision,
      applied: report.applied.map((c) => ({ method: c.method, lines: [...c.lines] })),
      pending,
      drift,
      unmanaged: [...report.left.unmanaged],
      conflicts: [...report.left.conflicts],
      failures: report.failure ? [{ ...report.failure, lines: [...report.failure.lines] }] : [],
      objects: contentObjects(desired, { pending, failed: report.failure?.lines ?? [], unmanaged: report.left.unmanaged }),
    };
  }

  /**
   * What `fleet`'s content (a revision not yet in force, for `plan --live`) would change in the
   * hub now, against the same inventory: plan lines, unmanaged objects and conflicts included.
   * Read anonymously; nothing is written. Undefined when `fleet` declares no content.
   */
  async livePlan(fleet: FleetConfig): Promise<{ lines: string[]; error?: string } | undefined> {
    if (!fleet.koji?.content) return undefined;
    try {
      const desired = desiredContent(fleet);
      const owned = new Set((await this.load()).owned);
      const observed = await readContent(this.session(defaultsApplied(fleet)), contentScope(desired, owned));
      return { lines: planLines(planContent(desired, observed, owned)) };
    } catch (err) {
      return { lines: [], error: (err as Error).message };
    }
  }

  private session(fleet: ResolvedFleet): KojiSession {
    return new KojiSession({
      hubUrl: this.d.hubUrl ?? farmOf(fleet).hubUrl,
      credentials: credentialFiles({ caFile: this.d.caFile, certFile: this.d.adminCertFile }),
      // Tags, targets, users and permissions: only an admin may write them all.
      requirePermission: "admin",
    });
  }

  private tellFailure(f: { method: string; lines: readonly string[]; error: string }, revision: string | null): void {
    const text = `${f.method}: ${f.error}`;
    if (text !== this.told.failure) {
      this.d.log.warn({ method: f.method, error: f.error }, "Koji content not converged");
      this.d.emit(controllerEvent(this.d.clock, "koji-failed", "error", `Koji content not converged: ${f.lines.length > 0 ? `${f.lines.join("; ")}: ` : ""}${text}`, { ...(revision && { revision }), data: { method: f.method, lines: f.lines, error: f.error } }));
    }
    this.told.failure = text;
  }

  private async load(): Promise<Saved> {
    if (this.saved) return this.saved;
    const text = await readFile(this.d.stateFile, "utf8").catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return null;
      throw err;
    });
    const s = text === null ? {} : (JSON.parse(text) as Partial<Saved>);
    return (this.saved = { owned: s.owned ?? [], convergedRevision: s.convergedRevision ?? null });
  }

  /** Atomically; held in memory only once it is on disk, so a failed write is tried again by the next pass. */
  private async save(s: Saved): Promise<void> {
    await mkdir(dirname(this.d.stateFile), { recursive: true });
    await writeFileAtomic(this.d.stateFile, `${JSON.stringify(s, null, 2)}\n`, 0o600);
    this.saved = s;
  }
}
