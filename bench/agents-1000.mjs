// 1,000 Agent instances in 2 child processes (each agent with its own NATS connection and sandbox
// root) against one real nats-server; a publisher in this process built from the controller's own
// pieces (Signer, ControllerBus.putCatalog/followStatus, contentDigest) puts one signed catalog per
// host (3 files + 2 directories); then a change touching every host (one line of one file);
// timed until all 1,000 report the revision applied in kf-status. NOT the full Controller (git,
// compile, rollout waves): see bench/README.md for why.
import { join } from "node:path";
import { stats, ms, table, writeResult, waitUntil, procUsage, startPublisher, forkAgents, stopAgents } from "./lib.mjs";

const N = Number(process.env.KF_BENCH_AGENTS ?? 1000);
const PROCS = Number(process.env.KF_BENCH_PROCS ?? 2);
const CHANGES = Number(process.env.KF_BENCH_CHANGES ?? 5);
const HOSTS = Array.from({ length: N }, (_, i) => `a${String(i).padStart(4, "0")}`);

export async function main() {
  const { dir, nats, bus, pubPem, sign, stop } = await startPublisher("1000");
  const status = new Map();
  await bus.followStatus((h, s) => (s ? status.set(h, s) : status.delete(h)));
  let children = [];
  try {
    const t0 = performance.now();
    children = await forkAgents({ procs: PROCS, hosts: HOSTS, natsUrl: nats.url, dir: join(dir, "agents"), pubPem });
    const startupMs = performance.now() - t0;
    const rounds = [];
    const natsCpu0 = (await procUsage(nats.pid)).cpuSeconds;
    for (let gen = 1; gen <= CHANGES + 1; gen++) {
      const cats = HOSTS.map((h) => sign(h, gen, `port = ${8000 + gen}`));
      const rev = cats[0].revision;
      const cpu0 = process.cpuUsage();
      const s0 = performance.now();
      await Promise.all(cats.map((c) => bus.putCatalog(c)));
      const putMs = performance.now() - s0;
      await waitUntil(() => { for (const h of HOSTS) if (status.get(h)?.applied?.revision !== rev) return false; return true; }, { timeoutMs: 120_000, stepMs: 5, message: `${N} agents applied ${rev}` });
      const cpu = process.cpuUsage(cpu0);
      rounds.push({ gen, first: gen === 1, putMs, appliedMs: performance.now() - s0, publisherCpuSeconds: (cpu.user + cpu.system) / 1e6 });
      console.log(`generation ${gen}${gen === 1 ? " (first catalog)" : ""}: puts ${ms(putMs)} ms, all ${N} applied after ${ms(performance.now() - s0)} ms`);
    }
    const natsUse = await procUsage(nats.pid);
    const self = await procUsage(process.pid);
    const workers = await Promise.all(children.map((c) => procUsage(c.pid)));
    const change = stats(rounds.filter((r) => !r.first).map((r) => r.appliedMs));
    console.log(`\nagents-1000: ${N} agents in ${PROCS} processes, one nats-server; ${CHANGES} changes touching every host`);
    table(["measure", "value", "target"], [
      ["agents started + connected (s)", (startupMs / 1000).toFixed(1), ""],
      ["first catalog -> all applied (ms)", ms(rounds[0].appliedMs), ""],
      [`change -> all applied, median / p95 of ${CHANGES} (ms)`, `${ms(change.median)} / ${ms(change.p95)}`, "<= 5000"],
      ["nats-server peak RSS MB / CPU s (whole run)", `${natsUse.peakRssMB.toFixed(0)} / ${natsUse.cpuSeconds.toFixed(1)}`, ""],
      ["nats-server CPU s during the rounds", (natsUse.cpuSeconds - natsCpu0).toFixed(1), ""],
      ["publisher (controller pieces + bench) peak RSS MB / CPU s", `${self.peakRssMB.toFixed(0)} / ${self.cpuSeconds.toFixed(1)}`, "<= 250 (controller)"],
      ["agent processes peak RSS MB (each)", workers.map((w) => w.peakRssMB.toFixed(0)).join(" / "), ""],
    ]);
    await writeResult("agents-1000", { agents: N, processes: PROCS, startupMs, rounds, changeAppliedMs: change, natsServer: natsUse, publisher: self, agentProcesses: workers });
  } finally {
    await stopAgents(children);
    await stop();
  }
}
