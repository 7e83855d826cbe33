// Live plan: each affected host gets its candidate catalog (signed, never published) on
// kf.cmd.<host>.plan and answers with a noop converge against its live state. What comes
// back, per host, is what the real converge of that catalog would change.
import type { NatsConnection } from "@nats-io/transport-node";
import { commandSubject } from "../../shared/names.js";
import type { Catalog, ResourceResult } from "../../shared/protocol.js";
import type { FleetConfig } from "../config/fleet-schema.js";

export const LIVE_PLAN_TIMEOUT_MS = 30_000;

export interface HostPlan {
  host: string;
  revision: string;
  /** "changes": something would change; "none": in sync; "error": no answer or a refusal. */
  status: "changes" | "none" | "error";
  /** Resources the converge would change (would-change), could not check (failed) or skip. */
  changes: ResourceResult[];
  error?: string;
}

export interface LivePlan {
  revision: string;
  hosts: HostPlan[];
  /** Hosts whose catalog the revision does not change (not asked). */
  unchanged: string[];
  /** Hosts the revision removes from the fleet. */
  removed: string[];
  /** The revision's Koji content planned against the live hub (plan lines), or why the hub could not be read. */
  koji?: { lines: string[]; error?: string };
}

/** What the agent's bus answers: `{ ok, result }`, the result being the agent's `{ ok, results }`. */
interface PlanReply {
  ok: boolean;
  error?: string;
  result?: { ok: boolean; results?: ResourceResult[] };
}

/** The resources of a noop report worth showing: anything but "unchanged". */
export const plannedChanges = (results: readonly ResourceResult[]): ResourceResult[] => results.filter((r) => r.outcome !== "unchanged");

export async function planHost(nc: NatsConnection, catalog: Catalog, timeoutMs = LIVE_PLAN_TIMEOUT_MS): Promise<HostPlan> {
  const base = { host: catalog.host, revision: catalog.revision };
  let reply: PlanReply;
  try {
    const m = await nc.request(commandSubject(catalog.host, "plan"), JSON.stringify(catalog), { timeout: timeoutMs });
    reply = m.json<PlanReply>();
  } catch (err) {
    return { ...base, status: "error", changes: [], error: `no answer from host (${(err as Error).message})` };
  }
  if (!reply.ok || !reply.result?.ok || !Array.isArray(reply.result.results)) {
    return { ...base, status: "error", changes: [], error: `the agent refused the plan: ${reply.error ?? "no results in the reply"}` };
  }
  const changes = plannedChanges(reply.result.results);
  return { ...base, status: changes.length > 0 ? "changes" : "none", changes };
}

/** Asks every host its candidate catalog, in parallel; hosts that do not answer say so. */
export async function livePlan(nc: NatsConnection, catalogs: readonly Catalog[], timeoutMs = LIVE_PLAN_TIMEOUT_MS): Promise<HostPlan[]> {
  const plans = await Promise.all(catalogs.map((c) => planHost(nc, c, timeoutMs)));
  return plans.sort((a, b) => a.host.localeCompare(b.host));
}

/** Per host, readable by a person (the CLI prints this; the JSON carries the same data). */
export function renderLivePlan(p: LivePlan): string {
  const changing = p.hosts.filter((h) => h.status === "changes").length;
  const lines = [`live plan of ${p.revision.slice(0, 12)}: ${changing} host(s) would change, ${p.hosts.length - changing} in sync or unanswered, ${p.unchanged.length} not affected`];
  for (const h of p.hosts) {
    if (h.status === "error") {
      lines.push(`${h.host}: ${h.error}`);
      continue;
    }
    if (h.status === "none") {
      lines.push(`${h.host}: no changes`);
      continue;
    }
    lines.push(`${h.host}: ${h.changes.length} resource(s)`);
    for (const r of h.changes) {
      const mark = r.outcome === "failed" ? "!" : r.outcome === "skipped" ? "?" : "~";
      lines.push(`  ${mark} ${r.kind} ${r.id}${r.outcome === "would-change" ? "" : ` (${r.outcome}${r.error ? `: ${r.error}` : ""})`}`);
      for (const c of r.changes) lines.push(`      ${c}`);
    }
  }
  for (const h of p.removed) lines.push(`${h}: removed from the fleet (its catalog is deleted; files are kept)`);
  if (p.koji?.error) lines.push(`koji objects: the hub could not be read: ${p.koji.error}`);
  else if (p.koji) lines.push(`koji objects on the live hub: ${p.koji.lines.length === 0 ? "no change" : `${p.koji.lines.length} line(s)`}`, ...p.koji.lines.map((l) => `  ${l}`));
  return lines.join("\n");
}

export type PlanResult = { ok: true; plan: LivePlan } | { ok: false; code: "KF_ERR_NOT_FOUND" | "KF_ERR_CONFIG_INVALID"; message: string; errors?: unknown[] };

/** Koji's content of a revision planned against the live hub; undefined when there is none to plan. */
export type KojiLivePlan = (fleet: FleetConfig) => Promise<LivePlan["koji"]>;

/** The candidates of `rev` (compiled and signed by the reconciler's code), asked live; its Koji content against the hub. */
export async function planRevision(
  nc: NatsConnection,
  candidates: (rev: string) => Promise<{ revision: { sha: string }; catalogs: Catalog[]; unchanged: string[]; removed: string[]; fleet: FleetConfig } | { revision: { sha: string; shortSha: string }; errors: unknown[] }>,
  rev: string,
  opts: { timeoutMs?: number; koji?: KojiLivePlan } = {},
): Promise<PlanResult> {
  let c: Awaited<ReturnType<typeof candidates>>;
  try {
    c = await candidates(rev);
  } catch (err) {
    return { ok: false, code: "KF_ERR_NOT_FOUND", message: `no revision ${rev} in the controller's mirror: ${(err as Error).message}` };
  }
  if ("errors" in c) return { ok: false, code: "KF_ERR_CONFIG_INVALID", message: `fleet.yaml at ${c.revision.shortSha} is invalid`, errors: c.errors };
  const [hosts, koji] = await Promise.all([livePlan(nc, c.catalogs, opts.timeoutMs ?? LIVE_PLAN_TIMEOUT_MS), opts.koji?.(c.fleet)]);
  return { ok: true, plan: { revision: c.revision.sha, hosts, unchanged: c.unchanged, removed: c.removed, ...(koji && { koji }) } };
}
