// Health probes: run after each converge and on a timer. A probe never throws out of
// runProbes: a failure to check is itself an unhealthy result with the reason.
import type { TSchema } from "@sinclair/typebox";
import type { Probe, ProbeResult } from "../../shared/protocol.js";
import type { Executor } from "../providers/executor.js";
import type { Files } from "../providers/files.js";
import { deadline, raceAbort, toError } from "../engine/deadline.js";
import { checkProps } from "../engine/props.js";
import type { SecretSource } from "../secrets.js";
import { commandProbe } from "./command.js";
import { httpProbe } from "./http.js";
import { pathAccessProbe } from "./path-access.js";
import { pathProbe } from "./path.js";
import { postgresLoginProbe } from "./postgres-login.js";
import { serviceActiveProbe } from "./service-active.js";
import { xmlrpcProbe } from "./xmlrpc.js";

export interface ProbeContext {
  readonly root: string;
  readonly files: Files;
  readonly exec: Executor;
  readonly signal: AbortSignal;
  /** Secrets by name (postgres-login's password); absent in callers that have none. */
  readonly secrets?: SecretSource;
}

export interface ProbeKind<P = Record<string, unknown>> {
  readonly name: string;
  /** JSON Schema of `props`; a probe whose props do not match is unhealthy. */
  readonly schema: TSchema;
  /**
   * Whether the probe means anything in sandbox mode (paths under the root do). Probes of live
   * services (HTTP, XML-RPC, PostgreSQL, units) would check the machine running the sandbox,
   * so there they report "not checked" instead.
   */
  readonly appliesInSandbox?: boolean;
  /** Read-only. `output` says what was found, healthy or not. */
  check(props: P, ctx: ProbeContext): Promise<{ healthy: boolean; output: string }>;
}

export type AnyProbeKind = ProbeKind<any>;
export type ProbeRegistry = ReadonlyMap<string, AnyProbeKind>;

export const defaultProbes: ProbeRegistry = new Map<string, AnyProbeKind>(
  [pathProbe, commandProbe, serviceActiveProbe, httpProbe, xmlrpcProbe, postgresLoginProbe, pathAccessProbe].map((p) => [p.name, p]),
);

export const MAX_PROBE_OUTPUT = 4096;
const PROBE_TIMEOUT_SECONDS = 30;

const cap = (text: string): string => {
  const marker = "\n…[truncated]";
  return text.length <= MAX_PROBE_OUTPUT ? text : text.slice(0, MAX_PROBE_OUTPUT - marker.length) + marker;
};

export interface RunProbesOptions {
  root: string;
  files: Files;
  exec: Executor;
  previous: readonly ProbeResult[];
  now?: () => Date;
  /** Defaults to defaultProbes. */
  kinds?: ProbeRegistry;
  secrets?: SecretSource;
  sandbox?: boolean;
}

async function check(probe: Probe, kinds: ProbeRegistry, opts: RunProbesOptions): Promise<{ healthy: boolean; output: string }> {
  const kind = kinds.get(probe.kind);
  if (!kind) return { healthy: false, output: `unsupported probe kind '${probe.kind}'` };
  const invalid = checkProps(kind.schema, probe.props);
  if (invalid) return { healthy: false, output: invalid };
  if (opts.sandbox && !kind.appliesInSandbox) return { healthy: true, output: `sandbox: ${probe.kind} probe not checked here` };
  const { signal, clear } = deadline(PROBE_TIMEOUT_SECONDS * 1000, `timed out after ${PROBE_TIMEOUT_SECONDS} s`);
  try {
    return await raceAbort(kind.check(probe.props, { root: opts.root, files: opts.files, exec: opts.exec, signal, ...(opts.secrets && { secrets: opts.secrets }) }), signal);
  } catch (err) {
    return { healthy: false, output: toError(err).message };
  } finally {
    clear();
  }
}

export async function runProbes(probes: readonly Probe[], opts: RunProbesOptions): Promise<ProbeResult[]> {
  const kinds = opts.kinds ?? defaultProbes;
  const outcomes = await Promise.all(probes.map((p) => check(p, kinds, opts)));
  const checkedAt = (opts.now ?? (() => new Date()))().toISOString();
  return probes.map((probe, i) => {
    const { healthy, output } = outcomes[i]!;
    const before = opts.previous.find((p) => p.id === probe.id);
    // `since` marks the last flip between healthy and failing, not the last check.
    const since = before && before.healthy === healthy ? before.since : checkedAt;
    return { id: probe.id, healthy, output: cap(output), since, checkedAt };
  });
}
