// Converge the Koji objects the controller owns, like the agent converges resources: observe
// (anonymous reads) → plan (pure, objects.ts) → apply each resource's calls in order → re-read
// and verify → one ResourceResult per object. It logs in only when something must be written,
// so a converged farm costs reads only and leaves no session behind.
import { performance } from "node:perf_hooks";
import { FleetError } from "../../shared/errors.js";
import type { ResourceOutcome, ResourceResult } from "../../shared/protocol.js";
import { hostId, planKojiObjects, userId, type DesiredKojiObjects, type ObservedHost, type ObservedUser } from "./objects.js";
import { getHost, getUser, getUserPerms, hostChannels } from "../../shared/koji/calls.js";
import type { KojiCaller } from "../../shared/koji/session.js";
import { KojiFault } from "../../shared/koji/xmlrpc-codec.js";

export interface ConvergeKojiOptions {
  /**
   * koji-fleet's inventory: builders an earlier converge registered (registeredBuilders of its
   * results). Those no longer desired are disabled; hosts never registered by koji-fleet are
   * not read or touched.
   */
  readonly owned?: Iterable<string>;
  /** Observe and diff only: outcome would-change, no login, no writes. */
  readonly noop?: boolean;
}

export interface KojiConvergeReport {
  readonly results: ResourceResult[];
}

interface Target {
  readonly id: string;
  readonly kind: "koji-user" | "koji-host";
  readonly name: string;
}
type Observed = { users: Record<string, ObservedUser | null>; perms: Record<string, readonly string[]>; hosts: Record<string, ObservedHost | null> };

/** Errors of a failed result start with this when the hub could not be read (state unknown). */
export const READ_FAILED = "cannot read from the hub: ";

export async function convergeKojiObjects(session: KojiCaller, desired: DesiredKojiObjects, opts: ConvergeKojiOptions = {}): Promise<KojiConvergeReport> {
  const wanted = new Set(desired.builders.map((b) => b.name));
  const targets: Target[] = [
    { id: userId(desired.kojiraUser), kind: "koji-user", name: desired.kojiraUser },
    ...desired.builders.map((b): Target => ({ id: hostId(b.name), kind: "koji-host", name: b.name })),
    ...[...new Set(opts.owned ?? [])]
      .filter((n) => !wanted.has(n))
      .sort()
      .map((n): Target => ({ id: hostId(n), kind: "koji-host", name: n })),
  ];
  const observed: Observed = { users: {}, perms: {}, hosts: {} };
  const readErrors = new Map<string, unknown>();
  const spent = new Map<string, number>();
  for (const t of targets) {
    const started = performance.now();
    await observe(session, t, observed).catch((err: unknown) => readErrors.set(t.id, err));
    spent.set(t.id, performance.now() - started);
  }
  const plan = planKojiObjects(desired, observed);

  let login: Promise<void> | undefined;
  let loggedInHere = false;
  const ensureLogin = (): Promise<void> =>
    (login ??= session.loggedIn ? Promise.resolve() : session.sslLogin().then(() => void (loggedInHere = true)));

  const results: ResourceResult[] = [];
  try {
    for (const t of targets) {
      // An inventory host that no longer exists in Koji is no longer anything to report.
      if (!wanted.has(t.name) && t.kind === "koji-host" && observed.hosts[t.name] === null) continue;
      const started = performance.now();
      const finish = (outcome: ResourceOutcome, changes: string[], error?: string, cause?: unknown): ResourceResult => ({
        id: t.id,
        kind: t.kind,
        outcome,
        changes,
        ...(error !== undefined && { error }),
        ...(cause instanceof FleetError && { errorCode: cause.code }),
        durationMs: Math.round((spent.get(t.id) ?? 0) + performance.now() - started),
      });
      results.push(await convergeOne(t, finish));
    }
  } finally {
    if (loggedInHere) await session.logout();
  }
  return { results };

  async function convergeOne(t: Target, finish: (o: ResourceOutcome, c: string[], e?: string, cause?: unknown) => ResourceResult): Promise<ResourceResult> {
    const readError = readErrors.get(t.id);
    if (readErrors.has(t.id)) return finish("failed", [], READ_FAILED + messageOf(readError), readError);
    const actions = plan.filter((a) => a.id === t.id);
    if (actions.length === 0) return finish("unchanged", []);
    if (opts.noop) return finish("would-change", actions.map((a) => a.description));
    const done: string[] = [];
    for (const a of actions) {
      try {
        await ensureLogin();
      } catch (err) {
        // The error names the first call not made: registeredBuilders reads it.
        return finish("failed", done, `${a.description}: not applied, ${messageOf(err)}`, err);
      }
      try {
        await session.call(a.method, ...a.params);
        done.push(a.description);
      } catch (err) {
        return finish("failed", done, `${a.description}: ${messageOf(err)}${hintFor(err)}`, err);
      }
    }
    // Verify: re-read this object and plan again; anything left means the hub did not take it.
    const again: Observed = { users: { ...observed.users }, perms: { ...observed.perms }, hosts: { ...observed.hosts } };
    try {
      await observe(session, t, again);
    } catch (err) {
      return finish("failed", done, `${READ_FAILED}after apply: ${messageOf(err)}`, err);
    }
    const left = planKojiObjects(desired, again).filter((a) => a.id === t.id);
    if (left.length > 0) return finish("failed", done, `still differs after apply: ${left.map((a) => a.description).join("; ")}`);
    return finish("changed", done);
  }
}

/**
 * Builders whose Koji host entry exists, as the results show it: this opens their
 * `koji-host-registered` gate (kojid must not log in before addHost, docs/pitfalls.md#pitfall-2). A host whose
 * state is unknown (the hub could not be read) keeps its membership in `previous`.
 */
export function registeredBuilders(results: readonly ResourceResult[], previous: ReadonlySet<string> = new Set()): Set<string> {
  const out = new Set<string>();
  for (const r of results) {
    if (r.kind !== "koji-host" || !r.id.startsWith("koji-host:")) continue;
    const name = r.id.slice("koji-host:".length);
    if (hostEntryExists(r) ?? previous.has(name)) out.add(name);
  }
  return out;
}

/**
 * Whether kojira's user holds its permission, as the results show it: this opens its
 * `kojira-permitted` gate. Unknown (the hub could not be read): `previous`.
 */
export function kojiraPermitted(results: readonly ResourceResult[], kojiraUser: string, previous = false): boolean {
  const r = results.find((x) => x.id === `koji-user:${kojiraUser}`);
  if (r?.outcome === "unchanged" || r?.outcome === "changed") return true;
  if (r?.outcome === "failed" && r.error?.startsWith(READ_FAILED)) return previous;
  return false;
}

/** true / false from the result alone; undefined when the hub could not be read. */
function hostEntryExists(r: ResourceResult): boolean | undefined {
  switch (r.outcome) {
    case "unchanged":
    case "changed":
      return true;
    case "would-change":
      return !r.changes.some((c) => c.startsWith("addHost "));
    case "failed":
      if (r.error?.startsWith(READ_FAILED)) return undefined;
      // A failed call's error starts with its description: the entry exists unless addHost failed.
      return !(r.error ?? "").startsWith("addHost ");
    default:
      return false;
  }
}

// ---- observing ----

async function observe(session: KojiCaller, t: Target, into: Observed): Promise<void> {
  if (t.kind === "koji-user") {
    const user = await getUser(session, t.name);
    into.users[t.name] = user;
    // getUserPerms on a missing user is a fault, and a new user has none anyway.
    into.perms[t.name] = user === null ? [] : await getUserPerms(session, t.name);
    return;
  }
  const host = await getHost(session, t.name);
  into.hosts[t.name] = host && { ...host, channels: await hostChannels(session, host.id) };
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** docs/pitfalls.md#pitfall-2 needs a person: the builder's user was auto-created by an early kojid login. */
function hintFor(err: unknown): string {
  if (err instanceof KojiFault && /already exists and it is not a host/.test(err.faultString)) {
    return " (kojid on this builder logged in before koji-fleet registered it, docs/pitfalls.md#pitfall-2: after checking that user, run koji add-host --force with the builder's name and arches)";
  }
  return "";
}
