// `koji-fleet plan`: what the controller would publish, offline. Prints each host's catalog in
// the order the agent converges it, or, with --against REV, what changes per host between
// fleet.yaml at REV (read with `git show`) and the one in DIR; then the Koji objects (content)
// a fresh hub gets, or that change from REV's content as koji-fleet converged it.
import { execFile } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { parseArgs, promisify } from "node:util";
import type { CatalogContent } from "../../shared/protocol.js";
import type { FleetConfig } from "../../controller/config/fleet-schema.js";
import { freshPlanLines, planLinesBetween } from "../../controller/koji/content/offline-plan.js";
import { formatConfigError } from "../../shared/yaml-config.js";
import { loadFleet, loadFleetWith, type LoadFleetResult } from "../../controller/config/load-fleet.js";
import { filesOnDisk, type FleetFiles } from "../../controller/config/fleet-files.js";
import { compileFleet } from "../../controller/compile/compile.js";
import { diffCatalogs, lineDiff, type HostDiff, type PropChange } from "../../controller/compile/catalog-diff.js";
import { summarize } from "../../controller/compile/summary.js";
import { orderResources } from "../../agent/engine/order.js";
import { wantsHelp, type Command } from "../command.js";
import { renderLivePlan } from "../../controller/fleet/live-plan.js";
import type { Plan } from "../../shared/api/rollouts.js";
import { DEFAULT_API, DEFAULT_TOKEN_FILE, apiCall, apiOptions } from "../api-client.js";
import { API } from "../../shared/api/routes.js";
import { exitCodeOf } from "../../shared/errors.js";

const usage = `usage: koji-fleet plan DIR|FILE [--host HOST] [--json] [--against REV]
       koji-fleet plan --live REV [--host HOST] [--json] [--api URL] [--token FILE]

Compiles fleet.yaml offline and prints every host's catalog: one line per resource, in the
order the agent converges it (kind, id, key props; no secret values: catalogs carry only
secret names). Builders are shown as not yet registered in Koji (their kojid gate closed).
Then the Koji objects of koji.content a fresh hub gets, one + line each (docs/koji-objects.md).

  --host HOST     only this host (and no Koji objects)
  --json          machine-readable output (the Koji lines under "koji")
  --against REV   print what changes per host between fleet.yaml at git revision REV and the
                  one in DIR (DIR must be in a git work tree); resources added (+), removed
                  (-) and changed (~) with the props that changed; then the Koji objects that
                  change from REV's content, as koji-fleet converged it, to DIR's (a tag git
                  dropped is deleted: koji-fleet created it)
  --live REV      live plan through the controller: every host whose catalog REV changes
                  converges it in noop against its live state and reports what would
                  change (files edited by hand included), then REV's Koji objects
                  planned against the live hub; --json gives the same as JSON (per host,
                  and the hub's lines under koji), e.g. for posting on a pull request
  --api URL       the controller's API for --live (default $KOJI_FLEET_API or ${DEFAULT_API})
  --token FILE    a file holding the API token, for --live (default $KOJI_FLEET_TOKEN_FILE, or
                  ${DEFAULT_TOKEN_FILE} for a loopback --api)

Exit 0 ok, 1 invalid fleet.yaml, 2 usage error, 3 no such host, 5 git error.`;

class PlanError extends Error {
  constructor(message: string, readonly exit: number) {
    super(message);
  }
}

const run = promisify(execFile);

/** `at` names the revision errors come from, e.g. `HEAD~1:fleet.yaml:3:4`. */
function compiled(res: LoadFleetResult, at = ""): { fleet: FleetConfig; catalogs: CatalogContent[] } {
  if (!res.ok) throw new PlanError(res.errors.map((e) => `${at}${formatConfigError(e)}`).join("\n"), 1);
  return { fleet: res.fleet, catalogs: compileFleet(res.fleet) };
}

/** The Koji section: a head line, then the lines indented. */
const renderKoji = (head: string, lines: readonly string[]): string[] => [`${head}: ${lines.length === 0 ? "no change" : `${lines.length} change(s)`}`, ...lines.map((l) => `  ${l}`)];

/** fleet.yaml as committed at `rev`, relative to the directory it lives in. */
async function atRevision(dir: string, file: string, rev: string): Promise<Buffer> {
  if (rev.startsWith("-")) throw new PlanError(`invalid revision '${rev}'`, 2);
  try {
    const { stdout } = await run("git", ["-C", dir, "show", `${rev}:./${file}`], { encoding: "buffer", maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim();
    throw new PlanError(`git show ${rev}:${file} in ${dir} failed: ${stderr}`, 5);
  }
}

/** The files of `dir` as committed at `rev`, for the files koji.content.include names. */
function filesAtRevision(dir: string, rev: string): FleetFiles {
  return {
    async list(sub) {
      const { stdout } = await run("git", ["-C", dir, "ls-tree", "-z", rev, "--", `./${sub === "" ? "" : `${sub}/`}`], { maxBuffer: 16 * 1024 * 1024 });
      return stdout
        .split("\0")
        .map((entry) => entry.split("\t"))
        .filter(([meta]) => meta?.split(" ")[1] === "blob")
        .map(([, path]) => path!);
    },
    async read(path) {
      const { stdout } = await run("git", ["-C", dir, "show", `${rev}:./${path}`], { encoding: "buffer", maxBuffer: 16 * 1024 * 1024 }).catch(() => ({ stdout: null }));
      return stdout;
    },
  };
}

function renderCatalog(c: CatalogContent): string[] {
  const ordered = orderResources(c.resources);
  const width = Math.min(60, Math.max(...ordered.map((r) => r.id.length)));
  return [
    `${c.host} (${c.roles.join(", ")}): ${c.resources.length} resources, ${c.probes.length} probes`,
    ...ordered.map((r) => `  ${r.kind.padEnd(17)} ${r.id.padEnd(width)}  ${summarize(r)}`.trimEnd()),
    ...c.probes.map((p) => `  ${"probe".padEnd(17)} ${p.id}`),
  ];
}

const short = (v: unknown): string => {
  const text = v === undefined ? "(unset)" : JSON.stringify(v);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
};

const canon = (v: unknown): string => JSON.stringify(v);

function renderProp(p: PropChange): string[] {
  if (Array.isArray(p.before) && Array.isArray(p.after)) {
    // Lists (export clients, packages, pg_hba rules): the items that came and went.
    const [a, b] = [p.before.map(canon), p.after.map(canon)];
    return [`      ${p.key}:`, ...a.filter((x) => !b.includes(x)).map((x) => `        - ${x}`), ...b.filter((x) => !a.includes(x)).map((x) => `        + ${x}`)];
  }
  if (typeof p.before === "string" && typeof p.after === "string" && (p.before.includes("\n") || p.after.includes("\n"))) {
    return [`      ${p.key}:`, ...lineDiff(p.before, p.after).filter((l) => !l.startsWith("  ")).map((l) => `        ${l}`)];
  }
  return [`      ${p.key}: ${short(p.before)} → ${short(p.after)}`];
}

function renderHostDiff(d: HostDiff): string[] {
  const roles = (d.roles.after ?? d.roles.before ?? []).join(", ");
  if (d.status === "unchanged") return [`${d.host} (${roles}): unchanged`];
  if (d.status === "removed") return [`${d.host} (${roles}): host removed, ${d.removed.length} resources no longer managed`];
  const head =
    d.status === "added"
      ? `${d.host} (${roles}): new host, ${d.added.length} resources`
      : `${d.host} (${roles}): ${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed`;
  const roleLine = d.status === "changed" && JSON.stringify(d.roles.before) !== JSON.stringify(d.roles.after) ? [`  roles: ${d.roles.before?.join(", ")} → ${d.roles.after?.join(", ")}`] : [];
  return [
    head,
    ...roleLine,
    ...d.added.map((r) => `  + ${r.id}  ${summarize(r)}`.trimEnd()),
    ...d.removed.map((r) => `  - ${r.id}`),
    ...d.changed.flatMap((c) => [
      `  ~ ${c.id}`,
      ...c.props.flatMap(renderProp),
      ...(c.requires ? [`      requires: ${[...c.requires.added.map((x) => `+${x}`), ...c.requires.removed.map((x) => `-${x}`)].join(" ")}`] : []),
      ...(c.notifies ? [`      notifies: ${[...c.notifies.added.map((x) => `+${x}`), ...c.notifies.removed.map((x) => `-${x}`)].join(" ")}`] : []),
      ...(c.timeoutSeconds ? [`      timeoutSeconds: ${short(c.timeoutSeconds.before)} → ${short(c.timeoutSeconds.after)}`] : []),
    ]),
    ...d.probes.added.map((p) => `  + ${p}`),
    ...d.probes.removed.map((p) => `  - ${p}`),
    ...d.probes.changed.map((p) => `  ~ ${p}`),
  ];
}

function parse(args: string[]) {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { host: { type: "string" }, json: { type: "boolean" }, against: { type: "string" }, live: { type: "string" }, api: { type: "string" }, token: { type: "string" } } });
  if (values.live !== undefined) {
    if (positionals.length !== 0 || values.against !== undefined) throw new PlanError("--live REV takes no DIR|FILE and no --against", 2);
  } else if (positionals.length !== 1) throw new PlanError("expected exactly one DIR|FILE", 2);
  return { target: positionals[0] ?? "", host: values.host, json: values.json === true, against: values.against, live: values.live, api: values.api, token: values.token };
}

async function plan(args: string[]): Promise<void> {
  let opts: ReturnType<typeof parse>;
  try {
    opts = parse(args);
  } catch (err) {
    throw err instanceof PlanError ? err : new PlanError((err as Error).message, 2);
  }
  if (opts.live !== undefined) return live(opts);
  const isDir = (await stat(opts.target).catch(() => null))?.isDirectory() === true;
  const file = isDir ? join(opts.target, "fleet.yaml") : opts.target;
  const source = await readFile(file).catch(() => null);
  if (!source) throw new PlanError(`${file}:1:1: cannot read file`, 1);
  const now = compiled(loadFleet(source, file, filesOnDisk));
  const only = <T extends { host: string }>(xs: T[]): T[] => (opts.host === undefined ? xs : xs.filter((x) => x.host === opts.host));
  // Koji's content is the hub's, not a host's: shown for the whole farm only.
  const withKoji = opts.host === undefined;

  if (opts.against === undefined) {
    const catalogs = only(now.catalogs);
    if (catalogs.length === 0) throw new PlanError(`no host '${opts.host}' in ${file}`, 3);
    const koji = withKoji ? freshPlanLines(now.fleet) : [];
    if (opts.json) console.log(JSON.stringify({ hosts: catalogs.map((c) => ({ ...c, resources: orderResources(c.resources).map((r) => ({ ...r, summary: summarize(r) })) })), ...(withKoji && { koji }) }, null, 2));
    else console.log([...catalogs.map((c) => renderCatalog(c).join("\n")), ...(withKoji ? [renderKoji("koji objects a fresh hub gets", koji).join("\n")] : [])].join("\n\n"));
    return;
  }
  const old = await atRevision(dirname(file), basename(file), opts.against);
  const before = compiled(await loadFleetWith(filesAtRevision(dirname(file), opts.against), basename(file), old), `${opts.against}:`);
  const diffs = only(diffCatalogs(before.catalogs, now.catalogs));
  if (diffs.length === 0) throw new PlanError(`no host '${opts.host}' in either revision`, 3);
  const koji = withKoji ? planLinesBetween(before.fleet, now.fleet) : [];
  if (opts.json) return console.log(JSON.stringify({ against: opts.against, hosts: diffs, ...(withKoji && { koji }) }, null, 2));
  const changing = diffs.filter((d) => d.status !== "unchanged").length;
  const kojiSection = withKoji ? renderKoji(`koji objects against ${opts.against}`, koji) : [];
  console.log([`plan against ${opts.against}: ${changing} host(s) change, ${diffs.length - changing} unchanged`, ...diffs.flatMap(renderHostDiff), ...kojiSection].join("\n"));
}

/** `--live REV`: POST /api/v1/plan and print per-host changes (or the JSON). */
async function live(opts: ReturnType<typeof parse>): Promise<void> {
  let p: Plan;
  try {
    p = await apiCall(apiOptions({ api: opts.api, token: opts.token }), API.postPlan, { body: { revision: opts.live } });
  } catch (err) {
    throw new PlanError((err as Error).message, exitCodeOf(err));
  }
  if (opts.host !== undefined) {
    p = { ...p, hosts: p.hosts.filter((h) => h.host === opts.host), unchanged: p.unchanged.filter((h) => h === opts.host), removed: p.removed.filter((h) => h === opts.host) };
  }
  console.log(opts.json ? JSON.stringify(p, null, 2) : renderLivePlan(p));
}

export const planCommand: Command = {
  name: "plan",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    try {
      await plan(args);
      return 0;
    } catch (err) {
      if (!(err instanceof PlanError)) throw err;
      console.error(err.exit === 2 ? `${err.message}\n\n${usage}` : err.message);
      return err.exit;
    }
  },
};
