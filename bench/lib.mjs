// Shared pieces of the benchmarks: machine facts, statistics, result files, a real git remote,
// a real nats-server, and a controller + sandboxed agents in this process (like test/support/fleet.ts,
// but importing the built code from dist/ so no TypeScript loader is needed).
import os from "node:os";
import { execFile, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
// KF_BENCH_DIST=<tree>/dist runs these benches against another build of the product (a baseline
// worktree): its dist/, and from its tree the seed fleet.yaml, the bundle and the units' flags.
export const DIST = process.env.KF_BENCH_DIST ? resolve(process.env.KF_BENCH_DIST) : join(ROOT, "dist");
/** The product tree under test: this repository, or the tree whose dist/ KF_BENCH_DIST names. */
export const PRODUCT = dirname(DIST);
export const dist = (p) => import(join(DIST, p));
/** The first of `paths` that the build under test has (modules moved between versions). */
export async function distFirst(...paths) {
  for (const p of paths) if (existsSync(join(DIST, p))) return import(join(DIST, p));
  throw new Error(`${DIST}: none of ${paths.join(", ")}`);
}

export function machine() {
  const cpus = os.cpus();
  return { cores: cpus.length, model: cpus[0]?.model ?? "?", totalMemoryMB: Math.round(os.totalmem() / 2 ** 20), node: process.version, os: `${os.type()} ${os.release()}` };
}

export function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => (s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] : NaN);
  return { n: s.length, median: s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN, p95: q(0.95), min: s[0], max: s[s.length - 1] };
}

export const ms = (x) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : "-");

export function table(headers, rows) {
  const w = headers.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => "| " + r.map((c, i) => String(c).padEnd(w[i])).join(" | ") + " |";
  const out = [line(headers), "|" + w.map((n) => "-".repeat(n + 2)).join("|") + "|", ...rows.map(line)].join("\n");
  console.log(out);
  return out;
}

export async function writeResult(name, data) {
  const dir = join(ROOT, "bench", "results");
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  await writeFile(file, JSON.stringify({ bench: name, at: new Date().toISOString(), machine: machine(), product: PRODUCT, dist: DIST, ...data }, null, 2));
  console.log(`results: ${file}`);
  return file;
}

/**
 * The controller's publishing side without git or compile: a real nats-server in a temp dir, a
 * catalog Signer, a connection and the ControllerBus. `sign(host, gen, line)` makes a host's catalog.
 */
export async function startPublisher(name) {
  const { startNatsServer } = await dist("controller/nats/embedded-server.js");
  const { Signer, generateSigningKeyPem } = await dist("shared/signing.js");
  const { ControllerBus } = await dist("controller/nats/bus.js");
  const { connectNats } = await dist("shared/nats.js");
  const { contentDigest } = await dist("controller/fleet/publication.js");
  const { silentLogger } = await dist("shared/log.js");
  const dir = await mkdtemp(join(os.tmpdir(), `kf-bench-${name}-`));
  const nats = await startNatsServer({ storeDir: join(dir, "nats") });
  const signer = new Signer(generateSigningKeyPem());
  const nc = await connectNats({ servers: [nats.url] }, `bench-${name}`);
  const bus = await ControllerBus.open(nc, silentLogger());
  return {
    dir, nats, nc, bus, pubPem: signer.publicKeyPem,
    sign: (host, gen, line) => benchCatalog(signer, contentDigest, host, gen, line),
    async stop() {
      bus.stop();
      await nc.close();
      await nats.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The node flags of a unit's ExecStart (packaging/systemd): what every installed daemon runs with. */
async function unitNodeFlags(command) {
  const unit = join(PRODUCT, `packaging/systemd/koji-fleet-${command}.service`);
  const exec = new RegExp(`^ExecStart=/usr/bin/node (.*?) ?/usr/lib/koji-fleet/koji-fleet\\.mjs ${command} `, "m").exec(await readFile(unit, "utf8"));
  if (!exec) throw new Error(`${unit}: no ExecStart running /usr/bin/node … koji-fleet.mjs ${command}`);
  return exec[1].split(" ").filter(Boolean);
}

/**
 * A daemon as its RPM runs it: [entry file, node flags, temp dir to remove or null]. The bundle
 * is built afresh into a temp dir from the product tree (PRODUCT); the flags come from its unit. `bin` (a path under that tree,
 * e.g. bin/koji-fleet.js for dist/) and `flags` ("" for none) replace them.
 */
export async function asShipped(command, { bin, flags } = {}) {
  const nodeFlags = flags !== undefined ? flags.split(" ").filter(Boolean) : await unitNodeFlags(command);
  if (bin) return [join(PRODUCT, bin), nodeFlags, null];
  const dir = await mkdtemp(join(os.tmpdir(), "kf-bench-bundle-"));
  await run(process.execPath, [join(PRODUCT, "packaging/bundle.mjs"), "--outdir", dir]);
  return [join(dir, "koji-fleet.mjs"), nodeFlags, dir];
}

/** One bench host's catalog (3 files, 2 directories), signed; `line` goes into app.conf. */
export function benchCatalog(signer, contentDigest, host, gen, line) {
  const resources = [
    ...["/etc/app", "/srv/app/data"].map((d) => ({ id: `directory:${d}`, kind: "directory", props: { path: d, mode: "0755", owner: "root", group: "root" }, requires: [], notifies: [] })),
    ...[["app.conf", `host = ${host}\n${line}\n`], ["users.conf", `admin = ${host}-admin\n`], ["limits.conf", `maxjobs = 10\n`]].map(([f, content]) => ({ id: `file:/etc/app/${f}`, kind: "file", props: { path: `/etc/app/${f}`, content, mode: "0644", owner: "root", group: "root" }, requires: ["directory:/etc/app"], notifies: [] })),
  ];
  const content = { host, roles: ["bench"], resources, probes: [] };
  return signer.sign({ protocol: "kf.v1.catalog", ...content, revision: gen.toString(16).padStart(8, "0"), generation: gen, issuedAt: new Date().toISOString(), digest: contentDigest(content) });
}

/** KF_BENCH_PROF=DIR writes a CPU profile of each agent process there (node --cpu-prof). Forks agents-worker.mjs processes running `hosts` between them; resolves once all are connected. */
export async function forkAgents({ procs, hosts, natsUrl, dir, pubPem, heartbeatSeconds = 60 }) {
  const children = [];
  for (let p = 0; p < procs; p++) {
    const mine = hosts.filter((_, i) => i % procs === p);
    const child = fork(join(ROOT, "bench/agents-worker.mjs"), [JSON.stringify({ natsUrl, dir, hosts: mine, pubPem, heartbeatSeconds })], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: process.env.KF_BENCH_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.KF_BENCH_PROF] : [] });
    children.push({ child, ready: new Promise((r) => child.once("message", r)) });
  }
  await Promise.all(children.map((c) => c.ready));
  return children.map((c) => c.child);
}

/** Asks each worker to stop its agents; SIGKILL after 30 s. */
export function stopAgents(children) {
  return Promise.all(children.map((child) => child.exitCode === null ? new Promise((r) => { child.once("exit", r); child.send("stop"); setTimeout(() => child.kill("SIGKILL"), 30_000).unref(); }) : null));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitUntil(fn, { timeoutMs = 60_000, stepMs = 2, message = "condition" } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}`);
    await sleep(stepMs);
  }
}

/** Peak RSS (VmHWM) and current RSS in MB, and CPU seconds (utime+stime) of a pid. */
export async function procUsage(pid) {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  const stat = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1].split(" ");
  const tick = 100; // getconf CLK_TCK on Linux
  return { peakRssMB: kb("VmHWM") / 1024, rssMB: kb("VmRSS") / 1024, cpuSeconds: (Number(stat[11]) + Number(stat[12])) / tick };
}

/**
 * The controller's own timings, read from the /metrics of a controller in its own process
 * (koji_fleet_revision_stage_seconds by stage, koji_fleet_rollout_duration_seconds as `rollout`):
 * { stage: { ms, count } }, ms summed since it started; null when the controller has no such
 * series (a baseline older than them).
 */
export async function controllerTimingsOverHttp(apiUrl) {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  const out = {};
  const series = [[/^koji_fleet_revision_stage_seconds_(sum|count)\{stage="(\w+)"\} (\S+)$/gm, (m) => m[2]], [/^koji_fleet_rollout_duration_seconds_(sum|count) (\S+)$/gm, () => "rollout"]];
  for (const [re, name] of series) {
    for (const m of text.matchAll(re)) {
      const t = (out[name(m)] ??= { ms: 0, count: 0 });
      const v = Number(m.at(-1));
      if (m[1] === "sum") t.ms = v * 1000;
      else t.count = v;
    }
  }
  return Object.keys(out).length > 0 ? out : null;
}

/** What `after` adds to `before` (controller timings as controllerTimingsOverHttp() gives them), per stage: { stage: { ms, count } }. */
export function timingsBetween(before, after) {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, { ms: v.ms - (before[k]?.ms ?? 0), count: v.count - (before[k]?.count ?? 0) }]));
}

function gitEnv(home) {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, LC_ALL: "C", GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: "bench", GIT_AUTHOR_EMAIL: "bench@koji-fleet.invalid", GIT_COMMITTER_NAME: "bench", GIT_COMMITTER_EMAIL: "bench@koji-fleet.invalid" };
}
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 64 << 20, ...opts }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(" ")}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

/**
 * A bare repository and a clone; commit() writes files, commits, and returns once `git push` returned.
 * `marks`, if given, gets `committing` (performance.now() as `git commit` starts) and `pushed`.
 */
export async function createRemote(root) {
  const bareDir = join(root, "origin.git"), workDir = join(root, "work");
  const git = (cwd, ...a) => run("git", ["-c", "commit.gpgsign=false", ...a], { cwd, env: gitEnv(root) });
  await git(root, "init", "--quiet", "--bare", "--initial-branch=main", bareDir);
  await git(root, "init", "--quiet", "--initial-branch=main", workDir);
  await git(workDir, "remote", "add", "origin", bareDir);
  return {
    bareDir, workDir,
    async commit(message, files, marks = {}) {
      for (const [rel, content] of Object.entries(files)) {
        await mkdir(dirname(join(workDir, rel)), { recursive: true });
        await writeFile(join(workDir, rel), content);
      }
      await git(workDir, "add", "-A");
      marks.committing = performance.now();
      await git(workDir, "commit", "--quiet", "--allow-empty", "-m", message);
      await git(workDir, "push", "--quiet", "origin", "main");
      marks.pushed = performance.now();
      return (await git(workDir, "rev-parse", "HEAD")).trim();
    },
  };
}

/**
 * A real nats-server, a git remote holding fleetYaml, the controller (in this process) and
 * optionally sandboxed agents enrolled with one-time tokens.
 */
export async function startFleet({ fleetYaml, hosts, controller = {}, agentExtra = {}, startAgents = true }) {
  const { startNatsServer } = await dist("controller/nats/embedded-server.js");
  const { Controller } = await dist("controller/controller.js");
  const { CertificateAuthority } = await dist("controller/ca/authority.js");
  const { TokenStore, tokenFile } = await dist("controller/ca/tokens.js");
  const { withDefaults: controllerDefaults } = await dist("controller/daemon-config.js");
  const { Agent } = await dist("agent/agent.js");
  const { withDefaults: agentDefaults } = await dist("agent/config.js");
  const dir = await mkdtemp(join(os.tmpdir(), "kf-bench-"));
  const nats = await startNatsServer({ storeDir: join(dir, "nats") });
  const remote = await createRemote(await mkdtemp(join(os.tmpdir(), "kf-bench-git-")));
  await remote.commit("initial fleet", { "fleet.yaml": fleetYaml });
  const caDir = join(dir, "ca");
  await CertificateAuthority.init(caDir, { subject: [["O", "koji-fleet bench"], ["CN", "Koji CA"]], keyBits: 2048 });
  const ctl = new Controller(controllerDefaults({
    nats: { servers: [nats.url], reconnectWaitMs: 100 },
    http: { host: "127.0.0.1", port: 0 },
    stateDir: join(dir, "controller"), ca: { dir: caDir }, ...controller,
    git: { url: remote.bareDir, pollSeconds: 3600, ...controller.git },
  }));
  const apiUrl = await ctl.start();
  const tokens = new TokenStore(tokenFile(join(dir, "controller")));
  const identityDir = (h) => join(dir, "identity", h);
  const agentConfig = (host, extra = {}) => agentDefaults({
    host, nats: { servers: [nats.url], reconnectWaitMs: 100 }, root: join(dir, "hosts", host), sandbox: true,
    stateDir: join(dir, "state", host), heartbeatSeconds: 15, identityDir: identityDir(host),
    catalogKeyFile: join(identityDir(host), "catalog.pub"), enrollment: { tokenFile: join(identityDir(host), "token") }, ...agentExtra, ...extra,
  });
  const issueToken = async (host) => {
    await mkdir(identityDir(host), { recursive: true });
    await writeFile(join(identityDir(host), "token"), await tokens.create(host, 3600));
  };
  const agents = new Map();
  const startAgent = (host, extra) => {
    const agent = new Agent(agentConfig(host, extra));
    agents.set(host, { agent, done: agent.run().catch((e) => console.error(host, e)) });
    return agent;
  };
  for (const h of hosts) await issueToken(h);
  if (startAgents) for (const h of hosts) startAgent(h);
  const appliedAll = (sha, hs = hosts) => hs.every((h) => ctl.fleet.status.get(h)?.applied?.revision === sha);
  return {
    dir, nats, remote, controller: ctl, apiUrl, agents, startAgent, agentConfig, identityDir, issueToken, appliedAll,
    async hook() {
      const res = await fetch(`${apiUrl}/hooks/git`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
    },
    async head() { return (await run("git", ["rev-parse", "HEAD"], { cwd: remote.workDir })).trim(); },
    async stop() {
      for (const { agent } of agents.values()) agent.stop();
      await Promise.all([...agents.values()].map((a) => a.done));
      await ctl.stop();
      await nats.stop();
      await rm(dir, { recursive: true, force: true });
      await rm(dirname(remote.bareDir), { recursive: true, force: true });
    },
  };
}
