// One real agent process for the hub cs10-koji-00 of the seed farm, sandbox mode, run as the
// agent RPM runs it: the bundle (packaging/bundle.mjs, built afresh) under the node flags of
// the unit's ExecStart (packaging/systemd/koji-fleet-agent.service). RSS and CPU while idle
// for 60 s after its first converge, then the time of no-op converges of the full hub catalog
// (triggered by the kf.cmd.<host>.converge command; durationMs as the agent reports it).
import { spawn } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { commandClosure } from "../packaging/bundle-meta.mjs";
import { PRODUCT, asShipped, dist, startFleet, stats, ms, table, writeResult, waitUntil, procUsage, sleep } from "./lib.mjs";
import { SEED_HOSTS, seedYaml } from "./fleets.mjs";

const IDLE_S = Number(process.env.KF_BENCH_IDLE_SECONDS ?? 60);
const NOOPS = Number(process.env.KF_BENCH_NOOPS ?? 20);
const HUB = "cs10-koji-00";
// KF_BENCH_AGENT_BIN=bin/koji-fleet.js measures dist/ instead of the bundle;
// KF_BENCH_NODE_FLAGS="…" replaces the unit's node flags ("" for none).
/** RSS counts the node binary's pages too, shared with every other node process. */
async function privateMB(pid) {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, "utf8");
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(rollup)?.[1] ?? NaN);
  return (kb("Private_Clean") + kb("Private_Dirty")) / 1024;
}

/**
 * The floor under the agent's RSS: a bare node under the same flags with the Node built-ins the
 * agent's chunks name loaded (test/agent-bundle.test.ts: the agent loads each as it starts), and
 * nothing of ours. Sampled as the agent is, after the same 2 s, once a second.
 */
async function floorMB(bundleDir, nodeFlags, seconds) {
  const { builtins } = commandClosure(JSON.parse(await readFile(join(bundleDir, "meta.json"), "utf8")), "cli/commands/agent.ts");
  const script = `await Promise.all(${JSON.stringify(builtins)}.map((m) => import("node:" + m))); setInterval(() => {}, 1 << 30);`;
  const bare = spawn(process.execPath, [...nodeFlags, "--input-type=module", "-e", script], { stdio: ["ignore", "ignore", "inherit"] });
  try {
    await sleep(2000);
    const rss = [];
    for (let i = 0; i < seconds; i++) { await sleep(1000); rss.push((await procUsage(bare.pid)).rssMB); }
    return { builtins, rssMB: stats(rss) };
  } finally {
    bare.kill("SIGTERM");
    await new Promise((r) => bare.once("exit", r));
  }
}

export async function main() {
  const { connectNats } = await dist("shared/nats.js");
  const { commandSubject } = await dist("shared/names.js");
  const [AGENT_BIN, NODE_FLAGS, bundleDir] = await asShipped("agent", { bin: process.env.KF_BENCH_AGENT_BIN, flags: process.env.KF_BENCH_NODE_FLAGS });
  const fleet = await startFleet({ fleetYaml: await seedYaml(), hosts: SEED_HOSTS, startAgents: false });
  let child = null;
  try {
    for (const h of SEED_HOSTS) if (h !== HUB) fleet.startAgent(h);
    const c = fleet.agentConfig(HUB);
    const cfgFile = join(fleet.dir, "hub-agent.yaml");
    await writeFile(cfgFile, JSON.stringify({
      host: HUB, nats: { servers: c.nats.servers }, root: c.root, sandbox: true, stateDir: c.stateDir, identityDir: c.identityDir,
      catalogKeyFile: c.catalogKeyFile, enrollment: { tokenFile: c.enrollment.tokenFile }, heartbeatSeconds: 15, logLevel: "warn",
    }));
    child = spawn(process.execPath, [...NODE_FLAGS, AGENT_BIN, "agent", "--config", cfgFile], { stdio: ["ignore", "ignore", "inherit"] });
    const sha = await fleet.head();
    await waitUntil(() => fleet.appliedAll(sha), { timeoutMs: 180_000, stepMs: 100, message: "seed farm applied" });
    await sleep(2000); // let the first converge's probes and reports settle
    const u0 = await procUsage(child.pid);
    const rss = [];
    const t0 = performance.now();
    for (let i = 0; i < IDLE_S; i++) { await sleep(1000); rss.push((await procUsage(child.pid)).rssMB); }
    const u1 = await procUsage(child.pid);
    const idle = { seconds: (performance.now() - t0) / 1000, cpuSeconds: u1.cpuSeconds - u0.cpuSeconds, cpuPercent: (100 * (u1.cpuSeconds - u0.cpuSeconds)) / ((performance.now() - t0) / 1000), rssMB: stats(rss), peakRssMB: u1.peakRssMB, rssEndMB: u1.rssMB, privateEndMB: await privateMB(child.pid) };

    const nc = await connectNats({ servers: [fleet.nats.url] }, "bench-footprint");
    const durations = [], walls = [];
    for (let i = 0; i < NOOPS; i++) {
      const before = fleet.controller.fleet.status.get(HUB)?.lastConverge?.startedAt;
      const w0 = performance.now();
      await nc.request(commandSubject(HUB, "converge"), "", { timeout: 10_000 });
      const s = await waitUntil(() => { const s = fleet.controller.fleet.status.get(HUB); return s?.lastConverge && s.lastConverge.startedAt !== before && !s.converging ? s : null; }, { timeoutMs: 30_000, stepMs: 1, message: "no-op converge reported" });
      walls.push(performance.now() - w0);
      durations.push(s.lastConverge.durationMs);
      if (s.lastConverge.changed !== 0) console.warn(`no-op converge ${i} changed ${s.lastConverge.changed} resource(s)`);
    }
    await nc.close();
    const floor = bundleDir ? await floorMB(bundleDir, NODE_FLAGS, Math.min(IDLE_S, 20)) : null;
    const resources = fleet.controller.fleet.desired.get(HUB)?.resources?.length;
    const conv = stats(durations), wall = stats(walls);
    const shown = bundleDir ? "the RPM's bundle" : AGENT_BIN.slice(PRODUCT.length + 1);
    console.log(`\nagent-footprint: one agent process (${shown}, node ${NODE_FLAGS.join(" ") || "without flags"}) for ${HUB} (hub+web+kojira, ${resources} resources), sandbox mode`);
    table(["measure", "value", "target"], [
      [`idle RSS MB (median over ${IDLE_S} s)`, idle.rssMB.median.toFixed(1), "<= 45"],
      ["idle RSS MB (max sampled / VmHWM incl. first converge)", `${idle.rssMB.max.toFixed(1)} / ${idle.peakRssMB.toFixed(1)}`, ""],
      ["private MB at the end (not shared: RSS less the node binary's pages and libraries)", idle.privateEndMB.toFixed(1), ""],
      ...(floor ? [[`  floor: node with the same flags and the ${floor.builtins.length} Node built-ins the agent loads, nothing of ours (RSS MB, median)`, floor.rssMB.median.toFixed(1), ""],
        ["  the agent's own above that floor (MB)", (idle.rssMB.median - floor.rssMB.median).toFixed(1), ""]] : []),
      ["idle CPU %", idle.cpuPercent.toFixed(2), ""],
      [`no-op converge ms (agent's durationMs, median / p95 of ${NOOPS})`, `${ms(conv.median)} / ${ms(conv.p95)}`, "<= 10"],
      ["command -> status reported ms (median / p95, incl. probes)", `${ms(wall.median)} / ${ms(wall.p95)}`, ""],
    ]);
    await writeResult("agent-footprint", { agentBin: shown, nodeFlags: NODE_FLAGS, host: HUB, resources, idle, floor, noopConvergeMs: conv, commandToStatusMs: wall, durations });
  } finally {
    if (child && child.exitCode === null) { child.kill("SIGTERM"); await new Promise((r) => child.once("exit", r)); }
    await fleet.stop();
    if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
  }
}
