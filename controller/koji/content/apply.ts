// One convergence pass over Koji's content: read → plan → send each call → read and plan again.
// A second round is allowed once (a child's entry compared with what its parent held before the
// plan changed it, docs/koji-objects.md "Idempotency and one pass"); anything left after it is a
// failure. A failed call ends the pass: later calls may depend on it. It logs in only when there
// is something to write, as controller/koji/converge.ts does, so a converged farm costs reads only.
import { FleetError } from "../../../shared/errors.js";
import type { KojiCaller } from "../../../shared/koji/session.js";
import { kwargs, type XmlRpcValue } from "../../../shared/koji/xmlrpc-codec.js";
import { ownedAfter, resolveTagIds, type ContentPlan, type PlannedCall } from "./calls.js";
import type { DesiredContent } from "./desired.js";
import { planContent, planLines } from "./plan.js";
import { readContent, type ContentReadScope } from "./read.js";

/** Rounds of calls per pass: one, and one more for what only the first made plannable. */
export const MAX_ROUNDS = 2;

export interface ContentPassOptions {
  /** Objects koji-fleet created (inventory keys, calls.ts): only those are deleted when git drops them. */
  readonly owned: ReadonlySet<string>;
  /** false: read and plan only (drift policy `report`, or a noop). */
  readonly write: boolean;
}

export interface FailedCall {
  readonly method: string;
  readonly lines: readonly string[];
  readonly error: string;
  readonly code?: string;
}

export interface ContentPassReport {
  /** What the first read planned: the difference found (empty for a converged farm). */
  readonly found: ContentPlan;
  /** Calls that succeeded, in order. */
  readonly applied: readonly PlannedCall[];
  /** The call that failed, or the difference left after MAX_ROUNDS; null when none. */
  readonly failure: FailedCall | null;
  /** What the last read still plans (every line when nothing was written). */
  readonly left: ContentPlan;
  /** The inventory after the calls that succeeded. */
  readonly owned: ReadonlySet<string>;
  /** Whether this pass logged in (it had something to write). */
  readonly loggedIn: boolean;
}

/** The tags and users a pass reads in detail: declared (present or absent) or owned. */
export function contentScope(desired: DesiredContent, owned: Iterable<string>): ContentReadScope {
  const tags = new Set(desired.tags.map((t) => t.name));
  const users = new Set(desired.users.map((u) => u.name));
  for (const key of owned) {
    const [, kind, name] = /^(tag|user):([^/]+)/.exec(key) ?? [];
    if (kind === "tag") tags.add(name!);
    if (kind === "user") users.add(name!);
  }
  return { tags: [...tags].sort(), users: [...users].sort() };
}

export async function convergeContent(session: KojiCaller, desired: DesiredContent, opts: ContentPassOptions): Promise<ContentPassReport> {
  let owned: ReadonlySet<string> = opts.owned;
  const readAndPlan = async () => {
    const observed = await readContent(session, contentScope(desired, owned));
    return { observed, plan: planContent(desired, observed, owned) };
  };
  let { observed, plan } = await readAndPlan();
  const found = plan;
  const applied: PlannedCall[] = [];
  let failure: FailedCall | null = null;
  let loggedInHere = false;
  if (!opts.write || plan.calls.length === 0) return { found, applied, failure, left: plan, owned, loggedIn: false };
  try {
    for (let round = 1; round <= MAX_ROUNDS && plan.calls.length > 0 && !failure; round++) {
      if (!session.loggedIn) {
        try {
          await session.sslLogin();
          loggedInHere = true;
        } catch (err) {
          failure = { method: "sslLogin", lines: [], error: messageOf(err), ...codeOf(err) };
          break;
        }
      }
      const ids = new Map(observed.tags.map((t) => [t.name, t.id]));
      const done: PlannedCall[] = [];
      for (const c of plan.calls) {
        try {
          const answer = await session.call(c.method, ...wire(c, ids));
          done.push(c);
          if (c.method === "createTag") ids.set(String(c.args[0]), tagIdOf(answer));
        } catch (err) {
          failure = failed(c, err);
          break;
        }
      }
      applied.push(...done);
      owned = ownedAfter(owned, done);
      try {
        ({ observed, plan } = await readAndPlan());
      } catch (err) {
        // What the hub holds now is unknown: `left` stays the last plan read.
        failure ??= { method: "read", lines: [], error: messageOf(err), ...codeOf(err) };
      }
    }
  } finally {
    if (loggedInHere) await session.logout();
  }
  if (!failure && plan.calls.length > 0) {
    failure = { method: "verify", lines: planLines(plan), error: `still differs after ${MAX_ROUNDS} rounds of calls: ${plan.calls.flatMap((c) => c.lines).join("; ")}` };
  }
  return { found, applied, failure, left: plan, owned, loggedIn: loggedInHere };
}

/** The call's parameters as Koji takes them: TagIdRefs resolved, keyword arguments as the trailing __starstar struct. */
function wire(c: PlannedCall, ids: ReadonlyMap<string, number>): XmlRpcValue[] {
  const args = c.args.map((a) => resolveTagIds(a, ids) as XmlRpcValue);
  if (Object.keys(c.kwargs).length === 0) return args;
  return [...args, kwargs(resolveTagIds(c.kwargs, ids) as Record<string, XmlRpcValue>)];
}

/** createTag answers the new tag's id (kojihub create_tag). */
function tagIdOf(answer: unknown): number {
  if (typeof answer !== "number") throw new FleetError("KF_ERR_RESOURCE", `createTag: unexpected answer from the hub (the new tag's id): ${JSON.stringify(answer)?.slice(0, 200)}`);
  return answer;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const codeOf = (err: unknown): { code?: string } => (err instanceof FleetError ? { code: err.code } : {});
const failed = (c: PlannedCall, err: unknown): FailedCall => ({ method: c.method, lines: c.lines, error: messageOf(err), ...codeOf(err) });
