// One converge of a catalog: order → for each resource (validate → dependencies → observe →
// diff → apply → re-observe → refresh) → prune. Each resource is a small fixed list of steps;
// any error stays with its resource and the converge carries on with independent ones.
import { performance } from "node:perf_hooks";
import type { Logger } from "../../shared/log.js";
import type { Resource, ResourceOutcome, ResourceResult } from "../../shared/protocol.js";
import type { KindRegistry } from "../kinds/index.js";
import type { AnyKind, KindContext } from "../kinds/kind.js";
import { UNKNOWN_FACTS, describeOs, type HostFacts } from "../facts.js";
import { staticSecrets, type SecretSource } from "../secrets.js";
import { noIssuer, type CertificateIssuer } from "../certificates.js";
import { PemCache } from "../pem-cache.js";
import { systemClock, type Clock } from "../../shared/time.js";
import type { Executor } from "../providers/executor.js";
import { resolveUnderRoot, type Files } from "../providers/files.js";
import { deadline, raceAbort, toError } from "./deadline.js";
import { orderResources } from "./order.js";
import { checkProps } from "./props.js";
import { prune, pruneCandidates, type InventoryEntry } from "./prune.js";

export type { InventoryEntry } from "./prune.js";

export interface ConvergeOptions {
  kinds: KindRegistry;
  root: string;
  sandbox: boolean;
  noop: boolean;
  files: Files;
  exec: Executor;
  log: Logger;
  previousInventory: readonly InventoryEntry[];
  /** Default: the system clock. */
  clock?: Clock;
  /** Parsed keys and certificates kept between converges; default: a new cache per converge. */
  pem?: PemCache;
  /** Signs certificate requests; default: none (certificate resources fail until connected). */
  certificates?: CertificateIssuer;
  /** Secret values by name; default: none available. */
  secrets?: SecretSource;
  /**
   * Ids whose refresh an earlier converge owed and did not complete (the target failed,
   * was skipped, or its refresh failed). A changed config whose restart failed is retried.
   */
  pendingRefresh?: readonly string[];
  /** The managed OS; default: unknown (only platform-independent kinds converge). */
  facts?: HostFacts;
  signal?: AbortSignal;
  /** called between resources; return false to stop early (graceful shutdown) */
  shouldContinue?: () => boolean;
}

export interface ConvergeReport {
  results: ResourceResult[];
  inventory: InventoryEntry[];
  changed: number;
  failed: number;
  durationMs: number;
  noop: boolean;
  /** Refreshes still owed after this converge; pass them to the next one. */
  pendingRefresh: string[];
}

export const DEFAULT_RESOURCE_TIMEOUT_SECONDS = 120;

/** What the loop keeps between resources. */
interface RunState {
  outcomes: Map<string, ResourceOutcome>;
  /** target id → ids of resources that changed and notify it */
  notified: Map<string, string[]>;
  /** targets whose owed refresh was done (or that have nothing to refresh) */
  refreshed: Set<string>;
  /** paths an earlier converge created */
  createdBefore: Set<string>;
}

const elapsed = (since: number): number => Math.round(performance.now() - since);

export async function converge(resources: readonly Resource[], options: ConvergeOptions): Promise<ConvergeReport> {
  const opts = { ...options, pem: options.pem ?? new PemCache() };
  const started = performance.now();
  const known = new Set(resources.map((r) => r.id));
  const owed = (opts.pendingRefresh ?? []).filter((id) => known.has(id));
  const report = (results: ResourceResult[], inventory: InventoryEntry[], pendingRefresh: string[] = owed): ConvergeReport => ({
    results,
    inventory,
    pendingRefresh,
    changed: results.filter((r) => r.outcome === "changed" || r.outcome === "pruned").length,
    failed: results.filter((r) => r.outcome === "failed").length,
    durationMs: elapsed(started),
    noop: opts.noop,
  });

  let ordered: Resource[];
  try {
    ordered = orderResources(resources);
  } catch (err) {
    // Nothing is applied from a catalog we cannot order; what we owned stays owned.
    const error = toError(err).message;
    opts.log.error({ err: error }, "catalog cannot be ordered");
    return report(
      resources.map((r) => ({ id: r.id, kind: r.kind, outcome: "failed", changes: [], error, durationMs: 0 })),
      [...opts.previousInventory],
    );
  }

  const state: RunState = {
    outcomes: new Map(),
    notified: new Map(owed.map((id) => [id, ["an earlier converge"]])),
    refreshed: new Set(),
    createdBefore: new Set(opts.previousInventory.filter((e) => e.created).map((e) => e.path)),
  };
  const results: ResourceResult[] = [];
  const inventory: InventoryEntry[] = [];
  let stopped = false;
  for (const resource of ordered) {
    stopped ||= opts.signal?.aborted === true || opts.shouldContinue?.() === false;
    const { result, entry } = stopped
      ? { result: skippedResult(resource, "converge stopped before this resource"), entry: undefined }
      : await convergeOne(resource, opts, state);
    results.push(result);
    state.outcomes.set(resource.id, result.outcome);
    if (result.outcome === "changed" || result.outcome === "would-change") {
      for (const target of resource.notifies) state.notified.set(target, [...(state.notified.get(target) ?? []), resource.id]);
    }
    if (entry) inventory.push(entry);
    else inventory.push(...opts.previousInventory.filter((e) => e.id === resource.id)); // unknown path: keep what we knew
  }

  // In noop nothing was refreshed, so everything owed before is still owed.
  const pending = opts.noop ? owed : [...state.notified.keys()].filter((id) => !state.refreshed.has(id));
  const candidates = pruneCandidates(opts.previousInventory, inventory);
  if (stopped) return report(results, [...inventory, ...candidates], pending);
  const pruned = await prune(candidates, opts);
  return report([...results, ...pruned.results], [...inventory, ...pruned.kept], pending);
}

/** The error catalogue code an error carries (FleetError, GateClosedError…), if any. */
function catalogueCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("KF_ERR_") ? code : undefined;
}

function skippedResult(resource: Resource, error: string): ResourceResult {
  return { id: resource.id, kind: resource.kind, outcome: "skipped", changes: [], error, durationMs: 0 };
}

function blockedBy(resource: Resource, outcomes: ReadonlyMap<string, ResourceOutcome>): string | null {
  for (const dep of resource.requires) {
    const outcome = outcomes.get(dep);
    if (outcome === "failed") return `dependency ${dep} failed`;
    if (outcome === "skipped") return `dependency ${dep} was skipped`;
  }
  return null;
}

async function convergeOne(resource: Resource, opts: ConvergeOptions & { pem: PemCache }, state: RunState): Promise<{ result: ResourceResult; entry?: InventoryEntry }> {
  const started = performance.now();
  const changes: string[] = [];
  const finish = (outcome: ResourceOutcome, error?: string, errorCode?: string): ResourceResult => {
    const result: ResourceResult = {
      id: resource.id, kind: resource.kind, outcome, changes,
      ...(error !== undefined && { error }), ...(errorCode !== undefined && { errorCode }), durationMs: elapsed(started),
    };
    if (outcome === "failed") opts.log.warn({ id: resource.id, kind: resource.kind, error, changes }, "resource failed");
    else if (outcome === "changed") opts.log.info({ id: resource.id, kind: resource.kind, changes }, "resource changed");
    return result;
  };

  const kind = opts.kinds.get(resource.kind);
  if (!kind) return { result: finish("failed", `unsupported resource kind '${resource.kind}'`) };
  const invalid = checkProps(kind.schema, resource.props);
  if (invalid) return { result: finish("failed", invalid) };

  const path = kind.managedPath?.(resource.props);
  const entryFor = (createdNow: boolean, goneNow: boolean): InventoryEntry | undefined =>
    path === undefined ? undefined : { id: resource.id, kind: resource.kind, path, created: !goneNow && (createdNow || state.createdBefore.has(path)) };

  const blocked = blockedBy(resource, state.outcomes);
  if (blocked) return { result: { ...skippedResult(resource, blocked), durationMs: elapsed(started) }, entry: entryFor(false, false) };

  if (opts.sandbox && !kind.appliesInSandbox) {
    changes.push(`sandbox: not observed or applied here (${kind.summary?.(resource.props) ?? resource.id})`);
    return { result: finish("would-change") };
  }
  const facts = opts.facts ?? UNKNOWN_FACTS;
  if (kind.platforms && !kind.platforms.includes(facts.family)) {
    const error = `resource kind '${kind.name}' has no provider for ${describeOs(facts)}; supported: ${kind.platforms.join(", ")}`;
    return { result: finish("failed", error, "KF_ERR_UNSUPPORTED") };
  }

  const seconds = resource.timeoutSeconds ?? kind.defaultTimeoutSeconds ?? DEFAULT_RESOURCE_TIMEOUT_SECONDS;
  const { signal, clear } = deadline(seconds * 1000, `timed out after ${seconds} s`, opts.signal);
  const ctx: KindContext = { root: opts.root, sandbox: opts.sandbox, files: opts.files, exec: opts.exec, facts, secrets: opts.secrets ?? staticSecrets({}), certificates: opts.certificates ?? noIssuer, clock: opts.clock ?? systemClock, pem: opts.pem, signal, log: opts.log.child({ resource: resource.id }) };
  const reportOnly = opts.noop;
  const track: PathTrack = { createdNow: false, goneNow: false };
  try {
    const step = await observeAndApply(kind, resource.props, ctx, { path, reportOnly, changes, track });
    let outcome = step.outcome;
    const notifiers = state.notified.get(resource.id);
    const refreshes = kind.refresh !== undefined && (kind.refreshes?.(resource.props) ?? true);
    if (notifiers && !refreshes) state.refreshed.add(resource.id);
    if (outcome !== "failed" && notifiers && refreshes) {
      // What its own apply did (or would do) may already be the refresh: a service it starts.
      const doneByApply = outcome === "unchanged" ? null : (kind.refreshDoneByApply?.(resource.props, step.observed) ?? null);
      if (doneByApply !== null) {
        changes.push(`${doneByApply} (notified by ${notifiers.join(", ")})`);
        state.refreshed.add(resource.id);
      } else if (reportOnly) {
        changes.push(`would refresh (notified by ${notifiers.join(", ")})`);
        if (outcome === "unchanged") outcome = "would-change";
      } else {
        const did = await raceAbort(kind.refresh!(resource.props, ctx), signal).finally(() => ctx.files.applied());
        state.refreshed.add(resource.id);
        changes.push(...did);
        if (did.length > 0) outcome = "changed";
      }
    }
    return { result: finish(outcome, step.error), entry: entryFor(track.createdNow, track.goneNow) };
  } catch (err) {
    return { result: finish("failed", toError(err).message, catalogueCode(err)), entry: entryFor(track.createdNow, track.goneNow) };
  } finally {
    clear();
  }
}

/** What an apply did to the managed path; set even when the apply fails half-way. */
interface PathTrack {
  createdNow: boolean;
  goneNow: boolean;
}

interface StepOptions {
  path: string | undefined;
  reportOnly: boolean;
  /** Receives the diff lines. */
  changes: string[];
  track: PathTrack;
}

/** observe → diff → (apply → re-observe → diff); `observed` is what the apply started from. */
async function observeAndApply(kind: AnyKind, props: Record<string, unknown>, ctx: KindContext, step: StepOptions): Promise<{ outcome: ResourceOutcome; error?: string; observed: unknown }> {
  const observed: unknown = await raceAbort(kind.observe(props, ctx), ctx.signal);
  const lines = kind.diff(props, observed);
  step.changes.push(...lines);
  if (lines.length === 0) return { outcome: "unchanged", observed };
  if (step.reportOnly) return { outcome: "would-change", observed };

  // Whether the path existed decides ownership: only what we create may be pruned later.
  const full = step.path === undefined ? undefined : resolveUnderRoot(ctx.root, step.path);
  const exists = async () => full === undefined || (await ctx.files.lstat(full)) !== null;
  const existed = await exists();
  try {
    await raceAbort(kind.apply(props, observed, ctx), ctx.signal);
  } finally {
    ctx.files.applied();
    const now = await exists().catch(() => existed);
    step.track.createdNow = !existed && now;
    step.track.goneNow = !now;
  }
  const remaining = kind.diff(props, await raceAbort(kind.observe(props, ctx), ctx.signal));
  if (remaining.length > 0) return { outcome: "failed", error: `still differs after apply: ${remaining.join("; ")}`, observed };
  return { outcome: "changed", observed };
}
