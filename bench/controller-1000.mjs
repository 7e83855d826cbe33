// The real controller at the largest fleet fleet.yaml accepts (1,000 hosts): `koji-fleet
// controller` in its own process (git, compile, signing, rollout, CA, status model, HTTP) for the
// seed farm plus 995 generated lookaside hosts, and 996 lookaside agents (cs10-koji-04 and the
// generated ones) in worker processes, each with
// its own NATS connection and sandbox root, pinned to the controller's catalog key. Their first
// converge makes each host's TLS key and has the controller's CA sign it (not timed). Then
// pushed commits change koji.topdir, which lands in the koji client profile every host gets:
// timed from `git push` returning (webhook) until all 996 statuses show the commit applied.
// The seed's other 4 hosts (hub, database, nfs, builder) have no agent: lookaside hosts do not
// wait for them in the rollout, and their secrets would need enrolled host keys.
import os from "node:os";
import { join } from "node:path";
import { PRODUCT, dist, forkAgents, ms, procUsage, run, sleep, stats, stopAgents, table, waitUntil, writeResult } from "./lib.mjs";
import { generatedFleet } from "./fleets.mjs";
import { startControllerFarm } from "./controller-farm.mjs";

// fleet.yaml's limit is 1,000 hosts; 4 of the seed's have no agent (see above).
const AGENTS = Math.min(996, Number(process.env.KF_BENCH_AGENTS ?? 996));
const PROCS = Number(process.env.KF_BENCH_PROCS ?? 2);
const CHANGES = Number(process.env.KF_BENCH_CHANGES ?? 5);
const LOOKASIDE_SEED = "cs10-koji-04";


/** Samples a pid's RSS every 250 ms: VmHWM alone would include start-up's peak. */
function sampleRss(pid) {
  const rss = [];
  const timer = setInterval(() => procUsage(pid).then((u) => rss.push(u.rssMB), () => {}), 250);
  return { rss, stop: () => clearInterval(timer) };
}

export async function main() {
  const { Signer } = await dist("shared/signing.js");
  const { connectNats } = await dist("shared/nats.js");
  const { ControllerBus } = await dist("controller/nats/bus.js");
  const { silentLogger } = await dist("shared/log.js");

  const { yaml, extra } = await generatedFleet(AGENTS - 1, { role: "lookaside", prefix: "lk" });
  const hosts = [LOOKASIDE_SEED, ...extra];
  const farm = await startControllerFarm({ fleetYaml: yaml, prefix: "ctl1000" });
  const { dir, nats, remote, port, signingPem, controller, bin, flags, bundleDir } = farm;
  const hook = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/hooks/git`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
  };
  const nc = await connectNats({ servers: [nats.url] }, "bench-observer");
  const bus = await ControllerBus.open(nc, silentLogger());
  const applied = new Map(), published = new Map();
  await bus.followStatus((h, s) => applied.set(h, s?.applied?.revision));
  const appliedEverywhere = (sha) => hosts.every((h) => applied.get(h) === sha);
  // When the controller's part ends: every agent's catalog of the commit is in kf-desired.
  const { Kvm } = await import("@nats-io/kv");
  const { BUCKET_DESIRED } = await dist("shared/names.js");
  const desiredWatch = await (await new Kvm(nc).open(BUCKET_DESIRED)).watch();
  void (async () => { for await (const e of desiredWatch) if (e.operation === "PUT") published.set(e.key, e.json().revision); })();
  const publishedEverywhere = (sha) => hosts.every((h) => published.get(h) === sha);
  let children = [];
  try {
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.ok, { timeoutMs: 120_000, stepMs: 100, message: "controller ready" });
    const { validation } = await (await fetch(`http://127.0.0.1:${port}/api/v1/fleet`)).json();
    if (validation.state !== "valid") throw new Error(`the controller refused the fleet: ${JSON.stringify(validation.errors)}`);
    const t0 = performance.now();
    children = await forkAgents({ procs: PROCS, hosts, natsUrl: nats.url, dir: join(dir, "agents"), pubPem: new Signer(signingPem).publicKeyPem });
    const startupMs = performance.now() - t0;
    const sha0 = (await run("git", ["rev-parse", "HEAD"], { cwd: remote.workDir })).trim();
    const t1 = performance.now();
    await waitUntil(() => appliedEverywhere(sha0), { timeoutMs: 900_000, stepMs: 200, message: "first catalog applied by every agent" });
    const firstMs = performance.now() - t1;
    console.log(`${AGENTS} agents connected in ${ms(startupMs)} ms; first catalog (a TLS key and a CA-signed certificate per host) applied everywhere after ${ms(firstMs)} ms`);
    await sleep(2000);

    const ctl0 = await procUsage(controller.pid), nats0 = await procUsage(nats.pid);
    const agents0 = await Promise.all(children.map((c) => procUsage(c.pid)));
    const changesStart = performance.now();
    const ctlRss = sampleRss(controller.pid);
    const times = [], publishTimes = [];
    for (let i = 1; i <= CHANGES; i++) {
      const sha = await remote.commit(`topdir r${i}`, { "fleet.yaml": yaml.replace("topdir: /mnt/koji", `topdir: /mnt/koji-r${i}`) });
      const t = performance.now();
      await hook();
      await waitUntil(() => publishedEverywhere(sha), { timeoutMs: 300_000, stepMs: 5, message: `change ${i} published` });
      publishTimes.push(performance.now() - t);
      await waitUntil(() => appliedEverywhere(sha), { timeoutMs: 300_000, stepMs: 5, message: `change ${i} applied everywhere` });
      times.push(performance.now() - t);
      console.log(`change ${i}: all ${AGENTS} catalogs published after ${ms(publishTimes.at(-1))} ms, applied after ${ms(times.at(-1))} ms`);
      await sleep(1000);
    }
    ctlRss.stop();
    const wallSeconds = (performance.now() - changesStart) / 1000;
    const ctl1 = await procUsage(controller.pid), nats1 = await procUsage(nats.pid);
    const agentsUsage = await Promise.all(children.map((c) => procUsage(c.pid)));
    // Whether the rig is CPU-bound: every process's CPU during the changes against what the cores could give.
    const agentsCpu = agentsUsage.reduce((sum, u, i) => sum + u.cpuSeconds - agents0[i].cpuSeconds, 0);
    const rigCpu = agentsCpu + (ctl1.cpuSeconds - ctl0.cpuSeconds) + (nats1.cpuSeconds - nats0.cpuSeconds);
    const t = stats(times), p = stats(publishTimes), rss = stats(ctlRss.rss);
    const shown = bundleDir ? "the RPM's bundle" : bin.slice(PRODUCT.length + 1);
    console.log(`\ncontroller-1000: the real controller (${shown}, node ${flags.join(" ") || "without flags"}), ${AGENTS} lookaside agents in ${PROCS} processes, ${CHANGES} pushed changes touching every agent's host`);
    table(["measure", "value", "target"], [
      ["agents started + connected (s)", (startupMs / 1000).toFixed(1), ""],
      ["first catalog -> all applied (s; TLS key + certificate per host)", (firstMs / 1000).toFixed(1), ""],
      [`push -> all ${AGENTS} catalogs published (the controller's part), median / p95 (ms)`, `${ms(p.median)} / ${ms(p.p95)}`, ""],
      [`push -> all ${AGENTS} applied, median / p95 of ${CHANGES} (ms)`, `${ms(t.median)} / ${ms(t.p95)}`, "<= 5000"],
      ["controller RSS during the changes, median / max (MB)", `${rss.median.toFixed(0)} / ${rss.max.toFixed(0)}`, "<= 250"],
      ["controller peak RSS, whole run incl. first converge (VmHWM, MB)", ctl1.peakRssMB.toFixed(0), ""],
      ["controller CPU s during the changes / whole run", `${(ctl1.cpuSeconds - ctl0.cpuSeconds).toFixed(1)} / ${ctl1.cpuSeconds.toFixed(1)}`, ""],
      ["nats-server peak RSS MB / CPU s during the changes", `${nats1.peakRssMB.toFixed(0)} / ${(nats1.cpuSeconds - nats0.cpuSeconds).toFixed(1)}`, ""],
      ["agent processes peak RSS MB (each)", agentsUsage.map((u) => u.peakRssMB.toFixed(0)).join(" / "), ""],
      ["agents' CPU per host per change (ms; converge, probes, status)", ms((agentsCpu * 1000) / (AGENTS * CHANGES)), ""],
      [`CPU used during the changes, all processes / what ${os.cpus().length} cores give (%)`, ((100 * rigCpu) / (wallSeconds * os.cpus().length)).toFixed(0), ""],
    ]);
    await writeResult("controller-1000", { controllerBin: shown, nodeFlags: flags, agents: AGENTS, processes: PROCS, startupMs, firstMs, changeAppliedMs: t, times, changePublishedMs: p, publishTimes, controller: { rssDuringChangesMB: rss, peakRssMB: ctl1.peakRssMB, cpuSecondsChanges: ctl1.cpuSeconds - ctl0.cpuSeconds, cpuSeconds: ctl1.cpuSeconds }, natsServer: { peakRssMB: nats1.peakRssMB, cpuSecondsChanges: nats1.cpuSeconds - nats0.cpuSeconds }, agentProcesses: agentsUsage, agentsCpuSecondsChanges: agentsCpu, rigCpuSecondsChanges: rigCpu, changesWallSeconds: wallSeconds });
  } finally {
    await stopAgents(children);
    desiredWatch?.stop();
    bus.stop();
    await nc.close();
    await farm.stop();
  }
}
