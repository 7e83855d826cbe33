// Soak: 1,000 agents (2 child processes, each agent its own NATS connection) heartbeat into
// kf-status for 10 minutes (KF_SOAK_SECONDS) against one real nats-server. This process runs
// the controller's status path as the Controller wires it: ControllerBus.followStatus (with its
// stall check) and followEvents into a FleetState, fleetMetrics().observeStatus per update, and
// every sample the host views the API and dashboard compute. Reported: this process's memory
// over time (RSS, and heap after a forced GC) and lost status updates: every revision of the
// kf-status stream written during the soak must have reached the watch, none skipped.
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { dist, stats, table, writeResult, waitUntil, procUsage, startPublisher, forkAgents, stopAgents, sleep } from "./lib.mjs";

const N = Number(process.env.KF_BENCH_AGENTS ?? 1000);
const PROCS = Number(process.env.KF_BENCH_PROCS ?? 2);
const SECONDS = Number(process.env.KF_SOAK_SECONDS ?? 600);
const HEARTBEAT = Number(process.env.KF_SOAK_HEARTBEAT ?? 10);
const SAMPLE_MS = 10_000;
const HOSTS = Array.from({ length: N }, (_, i) => `a${String(i).padStart(4, "0")}`);

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");

/** Least-squares slope of y over x. */
function slope(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den ? num / den : 0;
}

export async function main() {
  const { FleetState } = await dist("controller/fleet/state.js");
  const { fleetMetrics } = await dist("controller/fleet/metrics.js");
  const { keptStatus } = await dist("controller/fleet/kept-status.js");
  const { jetstreamManager } = await import("@nats-io/jetstream");
  const { dir, nats, nc, bus, pubPem, sign, stop } = await startPublisher("soak");
  const jsm = await jetstreamManager(nc);
  const fleet = new FleetState(new Date().toISOString());
  const metrics = fleetMetrics(fleet);
  // Counters, not a set of revisions: the bench's own bookkeeping must not grow the heap it
  // measures. The watch delivers in stream order; a jump past the next sequence is a loss.
  let from = Infinity; // count revisions above this
  let to = Infinity; // and up to this
  let highest = 0;
  let delivered = 0;
  let skipped = 0;
  await bus.followStatus((host, s, revision) => {
    const kept = s && keptStatus(s, fleet.desired.get(host));
    metrics.observeStatus(host, kept, new Date());
    if (kept) fleet.status.set(host, kept);
    else fleet.status.delete(host);
    if (revision <= from || revision > to || revision <= highest) return;
    delivered++;
    skipped += revision - Math.max(highest, from) - 1;
    highest = revision;
  });
  bus.followEvents((e) => fleet.addEvent(e));
  let children = [];
  try {
    children = await forkAgents({ procs: PROCS, hosts: HOSTS, natsUrl: nats.url, dir: join(dir, "agents"), pubPem, heartbeatSeconds: HEARTBEAT });
    for (const h of HOSTS) {
      const c = sign(h, 1, "port = 8001");
      await bus.putCatalog(c);
      fleet.desired.set(h, c);
    }
    await waitUntil(() => HOSTS.every((h) => fleet.status.get(h)?.applied?.generation === 1), { timeoutMs: 300_000, stepMs: 100, message: `${N} agents applied` });
    console.log(`${N} agents converged; soaking for ${SECONDS} s with a ${HEARTBEAT} s heartbeat`);

    const lastSeq = async () => (await jsm.streams.info("KV_kf-status")).state.last_seq;
    const startSeq = await lastSeq();
    from = startSeq;
    const t0 = Date.now();
    const samples = [];
    while (Date.now() - t0 < SECONDS * 1000) {
      await sleep(SAMPLE_MS);
      const views = fleet.hosts(new Date());
      gc();
      const m = process.memoryUsage();
      const sample = {
        t: (Date.now() - t0) / 1000, rssMB: m.rss / 2 ** 20, heapMB: m.heapUsed / 2 ** 20,
        seq: await lastSeq(), delivered, ready: views.filter((v) => v.phase === "Ready").length, events: fleet.events.length,
      };
      samples.push(sample);
      console.log(`t=${sample.t.toFixed(0)}s rss=${sample.rssMB.toFixed(1)}MB heap=${sample.heapMB.toFixed(1)}MB status updates=${sample.seq - startSeq} delivered=${sample.delivered} ready=${sample.ready}/${N}`);
    }
    const endSeq = await lastSeq();
    to = endSeq;
    await sleep(3_000); // let the watch deliver what was in flight
    // Skipped inside the range, plus never delivered at its end.
    const lost = skipped + Math.max(0, endSeq - Math.max(highest, startSeq));
    const written = endSeq - startSeq;
    // Flatness: heap after GC, first minute against last minute, and the trend after the first minute.
    const warm = samples.filter((s) => s.t > 60);
    const firstMin = stats(samples.filter((s) => s.t <= 60).map((s) => s.heapMB));
    const lastMin = stats(samples.filter((s) => s.t > SECONDS - 60).map((s) => s.heapMB));
    const heapSlope = slope(warm.map((s) => s.t / 60), warm.map((s) => s.heapMB));
    const rssSlope = slope(warm.map((s) => s.t / 60), warm.map((s) => s.rssMB));
    const minReady = Math.min(...samples.map((s) => s.ready));
    const natsUse = await procUsage(nats.pid);
    const self = await procUsage(process.pid);
    console.log(`\nsoak: ${N} agents, heartbeat ${HEARTBEAT} s, ${SECONDS} s, one nats-server`);
    table(["measure", "value", "target"], [
      ["status updates written / delivered to the controller's watch", `${written} / ${delivered}`, ""],
      ["lost status updates", String(lost), "0"],
      ["controller heap after GC, median first minute / last minute (MB)", `${firstMin.median.toFixed(1)} / ${lastMin.median.toFixed(1)}`, "flat"],
      ["heap trend after the first minute (MB per minute)", heapSlope.toFixed(3), "~0"],
      ["controller RSS first / last sample, trend (MB, MB per minute)", `${samples[0].rssMB.toFixed(0)} / ${samples.at(-1).rssMB.toFixed(0)}, ${rssSlope.toFixed(2)}`, ""],
      ["fewest hosts Ready at a sample", `${minReady} / ${N}`, String(N)],
      ["controller process peak RSS MB / CPU s", `${self.peakRssMB.toFixed(0)} / ${self.cpuSeconds.toFixed(1)}`, ""],
      ["nats-server peak RSS MB / CPU s", `${natsUse.peakRssMB.toFixed(0)} / ${natsUse.cpuSeconds.toFixed(1)}`, ""],
    ]);
    await writeResult("soak", { agents: N, processes: PROCS, seconds: SECONDS, heartbeatSeconds: HEARTBEAT, written, lost, heapFirstMinute: firstMin, heapLastMinute: lastMin, heapSlopeMBPerMin: heapSlope, rssSlopeMBPerMin: rssSlope, minReady, samples, natsServer: natsUse, controllerProcess: self });
  } finally {
    await stopAgents(children);
    await stop();
  }
}
