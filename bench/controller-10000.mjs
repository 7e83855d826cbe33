// The real controller at fleet.yaml's limit (10,000 hosts): `koji-fleet controller` in its own
// process (git, compile, signing, rollout, CA, status model, HTTP) for the seed farm plus
// generated lookaside hosts, and simulated agents for cs10-koji-04 and the generated hosts in
// worker processes (bench/sim-agents-worker.mjs: per host the doorbell subscription, a get of its
// catalog, the signature verified, the catalog reported applied; no resources converged, since
// 10,000 real agents cannot run on 2 cores: controller-1000 keeps 1,000 real ones). Pushed commits
// change koji.topdir, which lands in every host's koji client profile: timed from the webhook
// until every host's catalog of the commit is in kf-desired (the controller's part; watched
// headers only, so the observer does not read 10,000 catalogs), and until every status shows
// it applied. Then one heartbeat from every host at once: lost = hosts whose heartbeat the
// controller's API does not show. Last, the controller restarted with every catalog in
// kf-desired: until ready, its RSS, then one more change. KF_BENCH_HOSTS sets the fleet's size
// (1,000, 2,000, 5,000 for the curve in docs/scaling.md).
import { fork } from "node:child_process";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { ROOT, controllerTimingsOverHttp, dist, ms, procUsage, run, sleep, stats, table, timingsBetween, waitUntil, writeResult } from "./lib.mjs";
import { generatedFleet } from "./fleets.mjs";
import { startControllerFarm } from "./controller-farm.mjs";

const HOSTS = Number(process.env.KF_BENCH_HOSTS ?? 10_000);
const PROCS = Number(process.env.KF_BENCH_PROCS ?? 2);
const PER_CONN = Number(process.env.KF_BENCH_HOSTS_PER_CONN ?? 50);
const CHANGES = Number(process.env.KF_BENCH_CHANGES ?? 3);
const LOOKASIDE_SEED = "cs10-koji-04";


function sampleRss(pid) {
  const rss = [];
  const timer = setInterval(() => procUsage(pid).then((u) => rss.push(u.rssMB), () => {}), 250);
  return { rss, stop: () => clearInterval(timer) };
}

function forkSimulated({ hosts, natsUrl, pubPem }) {
  return Promise.all(Array.from({ length: PROCS }, (_, p) => {
    const mine = hosts.filter((_, i) => i % PROCS === p);
    const child = fork(join(ROOT, "bench/sim-agents-worker.mjs"), [JSON.stringify({ natsUrl, hosts: mine, pubPem, hostsPerConnection: PER_CONN })], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    return new Promise((resolve, reject) => { child.once("message", () => resolve(child)); child.once("exit", (c) => reject(new Error(`simulated agents exited ${c}`))); });
  }));
}

/**
 * Restarts the controller and times it back to ready (or notes how it exited), then `change`
 * (one more change end to end). VmHWM is a high-water mark: read once, at the end.
 */
async function restartAndChange({ farm, port, change }) {
  const child = await farm.restart();
  const t0 = performance.now();
  const rss = sampleRss(child.pid);
  try {
    const exited = new Promise((r) => child.once("exit", (code, signal) => r(signal ?? `code ${code}`)));
    const ready = waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.ok, { timeoutMs: 300_000, stepMs: 100, message: "restarted controller ready" });
    const crashed = await Promise.race([ready.then(() => null), exited]);
    const readyMs = performance.now() - t0;
    if (crashed) return { crashed };
    const { publishedMs, appliedMs } = await change("after restart", "/mnt/koji-restarted");
    const { peakRssMB } = await procUsage(child.pid);
    console.log(`restart: ready after ${ms(readyMs)} ms, a change published after ${ms(publishedMs)} ms, applied after ${ms(appliedMs)} ms`);
    return { crashed: null, readyMs, publishedMs, appliedMs, rssMaxMB: Math.max(...rss.rss), peakRssMB };
  } finally {
    rss.stop();
  }
}

const ask = (child, m, key) => new Promise((resolve) => { const on = (r) => { if (r[key] !== undefined) { child.off("message", on); resolve(r); } }; child.on("message", on); child.send(m); });

export async function main() {
  const { Signer } = await dist("shared/signing.js");
  const { connectNats } = await dist("shared/nats.js");
  const { ControllerBus } = await dist("controller/nats/bus.js");
  const { silentLogger } = await dist("shared/log.js");
  const { BUCKET_DESIRED } = await dist("shared/names.js");
  const { Kvm } = await import("@nats-io/kv");

  // The seed's hub, database, nfs and builder have no agent: lookaside hosts do not wait for them.
  const { yaml, extra } = await generatedFleet(HOSTS - 5, { role: "lookaside", prefix: "lk" });
  const hosts = [LOOKASIDE_SEED, ...extra];
  const farm = await startControllerFarm({ fleetYaml: yaml, prefix: "ctl10k" });
  const { nats, remote, port, signingPem, controller, bin, flags, bundleDir } = farm;
  const api = async (path) => (await fetch(`http://127.0.0.1:${port}${path}`)).json();
  const nc = await connectNats({ servers: [nats.url] }, "bench-observer");
  const bus = await ControllerBus.open(nc, silentLogger());
  const applied = new Map();
  await bus.followStatus((h, s) => applied.set(h, s?.applied?.revision));
  const appliedEverywhere = (sha) => hosts.every((h) => applied.get(h) === sha);
  // Puts to kf-desired per host since `since` (headers only: one put per host per change).
  let since = Infinity;
  const putsSince = new Set();
  // The first and last of those puts, as the server stamped them: the publish phase alone.
  let firstPut = Infinity, lastPut = 0;
  const desiredWatch = await (await new Kvm(nc).open(BUCKET_DESIRED)).watch({ headers_only: true });
  void (async () => {
    for await (const e of desiredWatch) {
      if (e.operation !== "PUT" || e.created.getTime() < since) continue;
      putsSince.add(e.key);
      firstPut = Math.min(firstPut, e.created.getTime());
      lastPut = Math.max(lastPut, e.created.getTime());
    }
  })();
  /** A pushed commit moving koji.topdir, from the webhook until every host's catalog is put, and until all applied. */
  const change = async (label, topdir) => {
    const sha = await remote.commit(`topdir ${label}`, { "fleet.yaml": yaml.replace("topdir: /mnt/koji", `topdir: ${topdir}`) });
    putsSince.clear();
    firstPut = Infinity;
    lastPut = 0;
    since = Date.now() - 5;
    const t = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/hooks/git`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
    await waitUntil(() => putsSince.size >= hosts.length && hosts.every((h) => putsSince.has(h)), { timeoutMs: 600_000, stepMs: 5, message: `change ${label} published` });
    const publishedMs = performance.now() - t, putPhaseMs = lastPut - firstPut;
    await waitUntil(() => appliedEverywhere(sha), { timeoutMs: 600_000, stepMs: 5, message: `change ${label} applied everywhere` });
    return { publishedMs, putPhaseMs, appliedMs: performance.now() - t };
  };
  let children = [];
  try {
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.ok, { timeoutMs: 300_000, stepMs: 100, message: "controller ready" });
    const { validation } = await api("/api/v1/fleet");
    if (validation.state !== "valid") throw new Error(`the controller refused the fleet: ${JSON.stringify(validation.errors)}`);
    const t0 = performance.now();
    children = await forkSimulated({ hosts, natsUrl: nats.url, pubPem: new Signer(signingPem).publicKeyPem });
    const startupMs = performance.now() - t0;
    const sha0 = (await run("git", ["rev-parse", "HEAD"], { cwd: remote.workDir })).trim();
    await waitUntil(() => appliedEverywhere(sha0), { timeoutMs: 900_000, stepMs: 200, message: "first catalog applied by every simulated agent" });
    console.log(`${hosts.length} simulated agents in ${PROCS} processes (${PER_CONN} hosts a connection) connected in ${ms(startupMs)} ms; first catalog applied everywhere`);
    await sleep(2000);

    // Every process of the rig shares this machine's cores: what nats-server and the simulated
    // agents spend per host is time the controller cannot have, whatever it does.
    const rigCpu = async () => ({ controller: (await procUsage(controller.pid)).cpuSeconds, nats: (await procUsage(nats.pid)).cpuSeconds, simulated: (await Promise.all(children.map((c) => procUsage(c.pid)))).reduce((n, u) => n + u.cpuSeconds, 0), bench: ((u) => (u.user + u.system) / 1e6)(process.cpuUsage()) });
    const cpu0 = await rigCpu();
    const timed0 = await controllerTimingsOverHttp(`http://127.0.0.1:${port}`);
    const ctlRss = sampleRss(controller.pid);
    const times = [], publishTimes = [], putPhases = [];
    for (let i = 1; i <= CHANGES; i++) {
      const c = await change(`r${i}`, `/mnt/koji-r${i}`);
      publishTimes.push(c.publishedMs);
      putPhases.push(c.putPhaseMs);
      times.push(c.appliedMs);
      console.log(`change ${i}: all ${hosts.length} catalogs published after ${ms(c.publishedMs)} ms (first put to last ${ms(c.putPhaseMs)} ms), applied after ${ms(c.appliedMs)} ms`);
      await sleep(2000);
    }
    ctlRss.stop();
    const ctl1 = await procUsage(controller.pid), nats1 = await procUsage(nats.pid), cpu1 = await rigCpu();
    const cpuSeconds = Object.fromEntries(Object.keys(cpu1).map((k) => [k, cpu1[k] - cpu0[k]]));
    const timed = timed0 && timingsBetween(timed0, await controllerTimingsOverHttp(`http://127.0.0.1:${port}`));
    const perHostCpu = Object.fromEntries(Object.entries(cpuSeconds).map(([k, s]) => [k, (1000 * s) / (CHANGES * hosts.length)]));
    const cores = availableParallelism();

    // One heartbeat interval's worth: every host's status put again at once, with a new lastSeen.
    const beats = await Promise.all(children.map((c) => ask(c, "heartbeat", "heartbeat")));
    const sent = new Map(beats.flatMap((b, p) => hosts.filter((_, i) => i % PROCS === p).map((h) => [h, b.heartbeat])));
    const heard = () => api("/api/v1/hosts").then(({ hosts: views }) => views.filter((v) => sent.get(v.host) !== undefined && v.lastSeen === sent.get(v.host)).length);
    const hb0 = performance.now();
    let heardCount = 0;
    await waitUntil(async () => (heardCount = await heard()) === hosts.length, { timeoutMs: 60_000, stepMs: 500, message: "every heartbeat in the controller's API" }).catch(() => {});
    const heartbeatMs = performance.now() - hb0;
    const putFailed = beats.reduce((n, b) => n + b.failed, 0);
    const rejected = beats.reduce((n, b) => n + b.rejected, 0);

    // A restart (an upgrade, a failover): the controller reads every catalog in force back from
    // kf-desired before it leads, then one more change is published and applied.
    const restart = await restartAndChange({ farm, port, change });

    const p = stats(publishTimes), t = stats(times), rss = stats(ctlRss.rss), puts = stats(putPhases);
    const shown = bundleDir ? "the RPM's bundle" : bin.slice(ROOT.length + 1);
    console.log(`\ncontroller-10000: the real controller (${shown}, node ${flags.join(" ") || "without flags"}), ${HOSTS} hosts in fleet.yaml, ${hosts.length} simulated agents in ${PROCS} processes, ${CHANGES} pushed changes touching every host`);
    table(["measure", "value", "target"], [
      [`push -> all ${hosts.length} catalogs published, median / p95 (ms)`, `${ms(p.median)} / ${ms(p.p95)}`, ""],
      ["  per host, median (ms)", (p.median / hosts.length).toFixed(3), "<= 0.2"],
      ["  of which first put -> last put, median / p95 (ms); per host (ms)", `${ms(puts.median)} / ${ms(puts.p95)}; ${(puts.median / hosts.length).toFixed(3)}`, ""],
      [`push -> all ${hosts.length} applied (simulated), median / p95 (ms)`, `${ms(t.median)} / ${ms(t.p95)}`, ""],
      ["controller RSS during the changes, median / max (MB)", `${rss.median.toFixed(0)} / ${rss.max.toFixed(0)}`, "<= 300"],
      ["controller peak RSS, whole run (VmHWM, MB)", ctl1.peakRssMB.toFixed(0), ""],
      ["controller CPU s during the changes / per change per host (ms)", `${cpuSeconds.controller.toFixed(1)} / ${perHostCpu.controller.toFixed(3)}`, ""],
      ["nats-server peak RSS MB / CPU s during the changes", `${nats1.peakRssMB.toFixed(0)} / ${cpuSeconds.nats.toFixed(1)}`, ""],
      ...(timed ? [["  the controller's own timings per change, mean (ms): git fetch / load / compile and plan", ["fetch", "load", "compile"].map((k) => ms(timed[k].ms / Math.max(1, timed[k].count))).join(" / "), ""]] : []),
      ["CPU per change per host (ms): controller / nats-server / simulated agents / this bench", `${perHostCpu.controller.toFixed(3)} / ${perHostCpu.nats.toFixed(3)} / ${perHostCpu.simulated.toFixed(3)} / ${perHostCpu.bench.toFixed(3)}`, ""],
      [`  nats-server and the simulated agents alone, per host / ${cores} cores: no change is applied everywhere in less here, before the controller spends anything (ms)`, ((perHostCpu.nats + perHostCpu.simulated) / cores).toFixed(3), ""],
      [`heartbeats: ${hosts.length} at once, lost (not in the API) / put failures`, `${hosts.length - heardCount} / ${putFailed}`, "0"],
      ["  all heartbeats in the API after (ms)", ms(heartbeatMs), ""],
      ["catalogs whose signature did not verify", String(rejected), "0"],
      [`restarted with ${hosts.length} catalogs in kf-desired: ready after (ms); RSS max sampled / VmHWM (MB)`, restart.crashed ? `exited (${restart.crashed})` : `${ms(restart.readyMs)}; ${restart.rssMaxMB.toFixed(0)} / ${restart.peakRssMB.toFixed(0)}`, "<= 300 MB"],
      ["  then a change: all published / all applied after (ms)", restart.crashed ? "-" : `${ms(restart.publishedMs)} / ${ms(restart.appliedMs)}`, ""],
    ]);
    await writeResult(`controller-10000${HOSTS === 10_000 ? "" : `-${HOSTS}`}`, { controllerBin: shown, nodeFlags: flags, hosts: HOSTS, simulated: hosts.length, processes: PROCS, hostsPerConnection: PER_CONN, changePublishedMs: p, publishTimes, publishMsPerHost: p.median / hosts.length, putPhaseMs: puts, putPhases, changeAppliedMs: t, times, controller: { rssDuringChangesMB: rss, peakRssMB: ctl1.peakRssMB, cpuSecondsChanges: cpuSeconds.controller }, natsServer: { peakRssMB: nats1.peakRssMB, cpuSecondsChanges: cpuSeconds.nats }, cpuMsPerChangePerHost: perHostCpu, cores, controllerTimings: timed, heartbeats: { sent: hosts.length, lost: hosts.length - heardCount, putFailed, inApiAfterMs: heartbeatMs }, rejected, restart });
  } finally {
    await Promise.all(children.map((c) => (c.exitCode === null ? ask(c, "stop", "stopped") : null)));
    desiredWatch?.stop();
    bus.stop();
    await nc.close();
    await farm.stop();
  }
}
