// The daily commands' way to the controller: its HTTP API (docs/api.md). API errors become
// FleetErrors with the API's catalogue code, so the process exits with the catalogue's code.
import { readFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ERROR_CODES, FleetError, type ErrorCode } from "../shared/errors.js";
import type { Answer, Method } from "../shared/api/routes.js";

export const DEFAULT_API = "http://127.0.0.1:8470";
/** The packaged controller's http.apiTokensFile, which it creates at its first start. */
export const DEFAULT_TOKEN_FILE = "/var/lib/koji-fleet-controller/api-tokens";

export interface ApiOptions {
  api: string;
  /** Bearer token (the first token line of --token FILE). */
  token?: string;
}

/** Options every API command takes, documented once for all usages. */
export const API_OPTIONS_HELP = `options:
  --api URL      the controller's API (default ${DEFAULT_API}, or $KOJI_FLEET_API)
  --token FILE   send the first token in FILE (lines, # comments skipped) as a bearer token
                 (or $KOJI_FLEET_TOKEN_FILE; default for a loopback --api: ${DEFAULT_TOKEN_FILE}
                 when readable, as for root on the controller's host; '' sends none)
  --json         print the API's JSON instead of text (read commands)`;

/** Exit codes of API commands, from the error catalogue (docs/errors.md). */
export const API_EXIT_HELP = `exit codes: 0 ok, 2 usage (KF_ERR_USAGE), 3 not found (KF_ERR_NOT_FOUND),
  4 controller not reachable or not ready (KF_ERR_NOT_READY), 9 no valid credentials
  (KF_ERR_UNAUTHORIZED), 10 forbidden (KF_ERR_FORBIDDEN), 12 conflict (KF_ERR_CONFLICT),
  70 internal error; any other catalogue code exits with its own code.`;

const COMMON = {
  api: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const satisfies ParseArgsConfig["options"];

/** parseArgs with the common options; a bad option is a usage error (exit 2). */
export function parseApiArgs<O extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: O) {
  try {
    return parseArgs({ args, allowPositionals: true, strict: true, options: { ...COMMON, ...options } });
  } catch (err) {
    throw new FleetError("KF_ERR_USAGE", (err as Error).message);
  }
}

/** The first token of a file in http.apiTokensFile's format: one a line, blanks and `#` comments skipped. */
function tokenIn(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new FleetError("KF_ERR_USAGE", `cannot read token file ${file}: ${(err as Error).message}`);
  }
  const token = text.split("\n").map((l) => l.trim()).find((l) => l !== "" && !l.startsWith("#"));
  if (!token) throw new FleetError("KF_ERR_USAGE", `token file ${file} holds no token`);
  return token;
}

const LOOPBACK_API = /^https?:\/\/(127(\.\d{1,3}){3}|localhost|\[::1\])(:\d+)?$/i;

export function apiOptions(values: { api?: string | undefined; token?: string | undefined }, defaultTokenFile = DEFAULT_TOKEN_FILE): ApiOptions {
  const api = (values.api ?? process.env.KOJI_FLEET_API ?? DEFAULT_API).replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]+/.test(api)) throw new FleetError("KF_ERR_USAGE", `--api must be an http(s) URL, not '${api}'`);
  const file = values.token ?? process.env.KOJI_FLEET_TOKEN_FILE;
  if (file !== undefined) return file ? { api, token: tokenIn(file) } : { api };
  // The controller on this host and its own token file, if this user may read it; the token
  // is never sent to another host.
  if (!LOOPBACK_API.test(api)) return { api };
  try {
    return { api, token: tokenIn(defaultTokenFile) };
  } catch {
    return { api };
  }
}

const codeForStatus = (status: number): ErrorCode =>
  (Object.entries(ERROR_CODES).find(([, e]) => e.http === status)?.[0] as ErrorCode | undefined) ?? "KF_ERR_INTERNAL";

/** One request; the parsed JSON body on 2xx, a FleetError otherwise. */
export async function apiRequest<T>(o: ApiOptions, method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  // The API takes writes typed JSON only, with or without a body (docs/api.md).
  if (method !== "GET") headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(`${o.api}${path}`, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }), signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new FleetError("KF_ERR_NOT_READY", `cannot reach the controller at ${o.api}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: handled below
  }
  if (res.ok) {
    if (json === undefined) throw new FleetError("KF_ERR_INTERNAL", `${method} ${path}: the controller answered ${res.status} without JSON`);
    return json as T;
  }
  const e = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
  const code = e?.code && e.code in ERROR_CODES ? (e.code as ErrorCode) : codeForStatus(res.status);
  throw new FleetError(code, e?.message ?? `${method} ${path}: HTTP ${res.status}`);
}

/** A route of the contract (shared/api/routes.ts): its method, its path with `:name` parameters. */
interface Route {
  method: Method;
  url: string;
  schema: { response: Record<number, unknown> };
}

/** Calls `route` (its `:name` parameters filled in, a query string appended); its answer is typed by the contract. */
export function apiCall<R extends Route>(o: ApiOptions, route: R, call: { params?: Record<string, string>; query?: URLSearchParams; body?: unknown } = {}): Promise<Answer<R>> {
  const path = route.url.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(call.params?.[name] ?? ""));
  const query = call.query && [...call.query].length > 0 ? `?${call.query}` : "";
  return apiRequest<Answer<R>>(o, route.method, path + query, call.body);
}

// ---- output helpers ----

const useColour = (): boolean => Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== "dumb";
const sgr = (code: string) => (s: string): string => (useColour() ? `\x1b[${code}m${s}\x1b[0m` : s);
export const colour = { red: sgr("31"), green: sgr("32"), yellow: sgr("33"), dim: sgr("2"), bold: sgr("1") };

/** A host or rollout phase, coloured on a terminal. */
export function phaseText(phase: string): string {
  if (phase === "Ready" || phase === "Complete") return colour.green(phase);
  if (phase === "Failed" || phase === "Halted" || phase === "Aborted") return colour.red(phase);
  if (phase === "Unknown") return colour.dim(phase);
  return colour.yellow(phase);
}

// eslint-disable-next-line no-control-regex
const visible = (s: string): number => s.replace(/\x1b\[[0-9;]*m/g, "").length;

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => visible(r[i] ?? ""))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(widths[i]! - visible(c)))).join("  ").trimEnd();
  return [line(header.map((h) => colour.bold(h))), ...rows.map(line)].join("\n");
}

export const short = (rev: string | null | undefined): string => (rev ? rev.slice(0, 12) : "-");

export const printJson = (v: unknown): void => console.log(JSON.stringify(v, null, 2));
