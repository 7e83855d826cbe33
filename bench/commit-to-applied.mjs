// commit→applied on the seed's 5-host farm: 20 pushed commits, each changing koji.topdir (it lands in
// the koji client profile every host gets, and in the hub/kojira/builder/NFS files), timed from
// `git push` returning until the last of the 5 agents reports the new revision applied, and the
// child processes the controller started for each commit (its git, counted by working directory).
import { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { seedYaml } from "./fleets.mjs";
import { dist, startFleet, stats, ms, table, timingsBetween, writeResult, waitUntil } from "./lib.mjs";

const HOSTS = ["cs10-koji-00", "cs10-koji-01", "cs10-koji-02", "cs10-koji-03", "cs10-koji-04"];
const COMMITS = Number(process.env.KF_BENCH_COMMITS ?? 20);

/**
 * The controller's own timings (its /metrics histograms, read in this process: no request on
 * the event loop the agents share): { stage: { ms, count } }, or null for a baseline without them.
 */
async function controllerTimingsInProcess(state) {
  const { fleetMetrics } = await dist("controller/fleet/metrics.js");
  const m = fleetMetrics(state);
  if (!m.stages) return null;
  const of = (h) => ({ ms: h.value().sum * 1000, count: h.value().count });
  return { ...Object.fromEntries([...m.stages].map(([stage, h]) => [stage, of(h)])), rollout: of(m.rolloutDuration) };
}

/** Working directories of the child processes started from now on (agents and the bench run in this process too). */
function childProcessLog() {
  const cwds = [];
  const spawn = ChildProcess.prototype.spawn;
  ChildProcess.prototype.spawn = function (options) {
    cwds.push(String(options.cwd ?? ""));
    return spawn.call(this, options);
  };
  return { cwds, stop: () => { ChildProcess.prototype.spawn = spawn; } };
}

async function mode(name, { webhook, pollSeconds }) {
  const seed = await seedYaml();
  const fleet = await startFleet({ fleetYaml: seed, hosts: HOSTS, controller: { git: { pollSeconds } } });
  try {
    // Seeding the farm (enrollment, 7 RSA keys) is not measured.
    const first = await fleet.head();
    if (webhook) await fleet.hook();
    await waitUntil(() => fleet.appliedAll(first), { timeoutMs: 120_000, stepMs: 50, message: "initial revision applied" });
    const times = [], perHost = [], controllerProcesses = [], stages = [];
    const children = childProcessLog();
    const controllerDir = join(fleet.dir, "controller");
    for (let i = 1; i <= COMMITS; i++) {
      const yaml = seed.replace("topdir: /mnt/koji", `topdir: /mnt/koji-r${i}`);
      const sha = await fleet.remote.commit(`topdir r${i}`, { "fleet.yaml": yaml });
      const timedBefore = webhook ? await controllerTimingsInProcess(fleet.controller.fleet) : null;
      const t0 = performance.now();
      const spawnedBefore = children.cwds.length;
      if (webhook) await fleet.hook();
      const at = {};
      await waitUntil(() => {
        for (const h of HOSTS) if (!at[h] && fleet.controller.fleet.status.get(h)?.applied?.revision === sha) at[h] = performance.now() - t0;
        return Object.keys(at).length === HOSTS.length;
      }, { timeoutMs: 60_000, stepMs: 1, message: `revision ${sha.slice(0, 8)} applied everywhere` });
      times.push(Math.max(...Object.values(at)));
      perHost.push(at);
      controllerProcesses.push(children.cwds.slice(spawnedBefore).filter((cwd) => cwd.startsWith(controllerDir)).length);
      // The controller's own timing of this commit, read outside the timed span: its rollout
      // completes when the last host is also Ready, a moment after it applied.
      if (timedBefore) {
        let d;
        await waitUntil(async () => (d = timingsBetween(timedBefore, await controllerTimingsInProcess(fleet.controller.fleet))).rollout.count >= 1, { timeoutMs: 30_000, stepMs: 20, message: "rollout completed" });
        stages.push(d);
      }
    }
    children.stop();
    const hostStats = Object.fromEntries(HOSTS.map((h) => [h, stats(perHost.map((p) => p[h]))]));
    const stageStats = stages.length > 0 ? Object.fromEntries(Object.keys(stages[0]).map((k) => [k, stats(stages.map((d) => d[k].ms))])) : null;
    return { name, webhook, pollSeconds, times, stats: stats(times), hostStats, controllerProcesses, controllerProcessStats: stats(controllerProcesses), stages, stageStats };
  } finally {
    await fleet.stop();
  }
}

export async function main() {
  const results = [await mode("webhook", { webhook: true, pollSeconds: 3600 }), await mode("poll 1 s", { webhook: false, pollSeconds: 1 })];
  console.log(`\ncommit-to-applied: ${COMMITS} commits, 5 hosts, time from git push returning to the last host applied (ms)`);
  const rows = results.map((r) => [r.name, r.stats.n, ms(r.stats.median), ms(r.stats.p95), ms(r.stats.min), ms(r.stats.max), `${r.controllerProcessStats.median} (max ${r.controllerProcessStats.max})`]);
  table(["trigger", "commits", "median ms", "p95 ms", "min ms", "max ms", "controller processes/commit"], rows);
  console.log(`ratio poll/webhook (median): ${(results[1].stats.median / results[0].stats.median).toFixed(1)}x; target webhook p95 <= 1000 ms: ${results[0].stats.p95 <= 1000 ? "met" : "MISSED"}`);
  console.log("\nper host (webhook), median ms - shows the dependency waves (database/nfs -> hub -> builders):");
  table(["host", "median ms", "p95 ms"], Object.entries(results[0].hostStats).map(([h, s]) => [h, ms(s.median), ms(s.p95)]));
  const stage = results[0].stageStats;
  if (stage) {
    console.log("\nwhere each commit went (webhook), the controller's own timings (koji_fleet_revision_stage_seconds, koji_fleet_rollout_duration_seconds), ms:");
    const rows = [
      ["git fetch (git's own processes: the part of the path no code of ours runs)", stage.fetch],
      ["fleet.yaml and its files read and checked", stage.load],
      ["compile and plan (5 hosts)", stage.compile],
      ["rollout: started -> every host applied and Ready (waves: database/nfs -> hub -> builders)", stage.rollout],
    ];
    table(["stage", "median ms", "p95 ms"], rows.map(([label, s]) => [label, ms(s.median), ms(s.p95)]));
  }
  await writeResult("commit-to-applied", { commits: COMMITS, results, ratioPollOverWebhookMedian: results[1].stats.median / results[0].stats.median });
}
