// One converge of a catalog on this host, as a round of the loop runs it: the engine over what
// the agent remembers (state.ts), the state saved, the transition told as an event, the managed
// paths watched again. And a plan: the same converge in noop against the live state, kept nowhere.
import type { KeyObject } from "node:crypto";
import type { Catalog, HostStatus, ResourceResult } from "../../shared/protocol.js";
import type { Logger } from "../../shared/log.js";
import { iso, type Clock, type Timers } from "../../shared/time.js";
import type { AgentConfig } from "../config.js";
import { converge, type ConvergeOptions, type ConvergeReport } from "../engine/converge.js";
import type { KindRegistry } from "../kinds/index.js";
import type { Executor } from "../providers/executor.js";
import type { Files } from "../providers/files.js";
import { firstOf, sealedSecrets, type SecretSource } from "../secrets.js";
import { noIssuer, type CertificateIssuer } from "../certificates.js";
import { PemCache } from "../pem-cache.js";
import type { AgentFacts } from "../status.js";
import type { HostIdentity } from "./host-identity.js";
import type { Emit } from "./nats-link.js";
import { managedPaths, writtenPaths, type PathWatch } from "./path-watch.js";
import type { ProbeEpoch } from "./probe-epoch.js";
import type { LocalState, StateStore } from "./state.js";
import { transitionEvent, unsafePathEvents } from "./transitions.js";

/** A converge still running after this is reported as converging. */
const CONVERGING_REPORT_MS = 250;

export interface HostConvergerDeps {
  config: AgentConfig;
  files: Files;
  exec: Executor;
  kinds: KindRegistry;
  log: Logger;
  clock: Clock;
  timers: Timers;
  /** The host's secret directory. */
  secrets: SecretSource;
  store: StateStore;
  epoch: ProbeEpoch;
  pathWatch: PathWatch;
  issuer: CertificateIssuer;
  emit: Emit;
  /** Reports the status now (a slow converge, shown as converging meanwhile). */
  report: () => void;
  /** False once the agent stops: the converge ends after the resource in hand. */
  running: () => boolean;
}

export class HostConverger {
  private local: LocalState;
  private lastConverge: HostStatus["lastConverge"] = null;
  private resources: ResourceResult[] = [];
  private readonly pem = new PemCache();

  constructor(private readonly deps: HostConvergerDeps) {
    this.local = deps.store.load();
  }

  /** The catalog converged last (kept across restarts). */
  get catalog(): Catalog | null {
    return this.local.catalog;
  }

  facts(): Pick<AgentFacts, "observed" | "applied" | "lastConverge" | "resources"> {
    return { observed: this.local.observed, applied: this.local.applied, lastConverge: this.lastConverge, resources: this.resources };
  }

  /** The catalog's sealed secrets first, then the host's secret directory. */
  secretsOf(catalog: Catalog, identityKey: string | null): SecretSource {
    return firstOf(sealedSecrets(catalog.sealedSecrets ?? {}, identityKey === null ? null : this.parsedKey(identityKey)), this.deps.secrets);
  }

  /**
   * The identity key parsed once (the PEM cache), not for every secret of every converge and
   * probe run: that parse was a quarter of the hub's no-op converge (bench/README.md). A key that
   * does not parse stays PEM, so the secret that needs it fails with its own message.
   */
  private parsedKey(pem: string): KeyObject | string {
    try {
      return this.pem.privateKey(pem);
    } catch {
      return pem;
    }
  }

  /** Converges the catalog; resolves whether a resource failed. `lastFailed`: the round before did. */
  async converge(catalog: Catalog, host: HostIdentity, lastFailed: boolean): Promise<boolean> {
    const { config, epoch, pathWatch, clock } = this.deps;
    const isNew = catalog.generation !== this.local.observed?.generation;
    epoch.convergeStarted();
    // A converge that ends quickly is reported once, with its result (half the status puts of a
    // farm-wide change: bench/README.md); a slow one shows as converging meanwhile.
    const cancelSlow = this.deps.timers.after(CONVERGING_REPORT_MS, this.deps.report);
    const started = clock();
    if (config.watch) pathWatch.hold();
    const before = this.local.inventory;
    const report = await converge(catalog.resources, this.options(catalog, host)).finally(cancelSlow);
    const ref = { revision: catalog.revision, generation: catalog.generation, digest: catalog.digest };
    // Skipped resources (a failed dependency, or a stop mid-converge) mean the catalog is not
    // applied; neither does a noop run, which changed nothing.
    const complete = !report.noop && report.results.every((r) => r.outcome !== "failed" && r.outcome !== "skipped");
    this.local = {
      catalog,
      observed: ref,
      applied: complete ? ref : this.local.applied,
      inventory: report.noop ? this.local.inventory : report.inventory,
      pendingRefresh: report.pendingRefresh,
    };
    await this.deps.store.save(this.local);
    this.resources = report.results;
    this.lastConverge = { startedAt: iso(started), durationMs: report.durationMs, changed: report.changed, failed: report.failed, noop: report.noop };
    epoch.convergeEnded();
    this.tellTransition(report, isNew, lastFailed, catalog.revision);
    // Watches every managed path; a change to one re-converges, unless this converge made it.
    if (config.watch && this.deps.running()) {
      const written = writtenPaths(config.root, report.results, [report.inventory, before]);
      pathWatch.arm(managedPaths(config.root, this.local.inventory, catalog.resources, this.deps.kinds), written);
    }
    return report.failed > 0;
  }

  /** A noop converge of a candidate catalog against the live state; a plan never asks for certificates (an unissued one shows as a change). */
  async plan(catalog: Catalog, host: HostIdentity): Promise<ResourceResult[]> {
    const report = await converge(catalog.resources, { ...this.options(catalog, host), noop: true, certificates: noIssuer, log: this.deps.log.child({ plan: catalog.revision }) });
    return report.results;
  }

  private tellTransition(r: ConvergeReport, isNew: boolean, lastFailed: boolean, revision: string): void {
    const e = transitionEvent(r, isNew, lastFailed, revision);
    if (e) this.deps.emit(e.type, e.severity, e.message, revision, e.data);
    if (e?.type === "failed") for (const s of unsafePathEvents(r)) this.deps.emit(s.type, s.severity, s.message, revision, s.data);
  }

  /** How this agent converges a catalog: its root, facts, state, secrets and CA. */
  private options(catalog: Catalog, host: HostIdentity): ConvergeOptions {
    const { files, exec, kinds, log, config, clock } = this.deps;
    return {
      kinds, files, exec, log, clock,
      root: config.root,
      sandbox: config.sandbox,
      noop: config.noop,
      previousInventory: this.local.inventory,
      pendingRefresh: this.local.pendingRefresh,
      facts: host.facts,
      pem: this.pem,
      secrets: this.secretsOf(catalog, host.key),
      certificates: this.deps.issuer,
      shouldContinue: this.deps.running,
    };
  }
}
