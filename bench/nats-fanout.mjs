// What nats-server pays to hand 1,000 hosts their own KV value: a KV watch per host (an ordered
// JetStream consumer each, how agents received catalogs before c48935f), a core subscription to
// the key's subject plus a direct get (the doorbell: AgentBus.watchDesired itself), and the core
// subscription alone (the floor). Each way: 1,000 keys put ROUNDS times, 32 puts in flight, clock and server
// CPU until every subscriber has seen its key's new value. Alternated ITER times.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { dist, ms, procUsage, sleep, stats, table, waitUntil, writeResult } from "./lib.mjs";

const HOSTS = Number(process.env.KF_BENCH_AGENTS ?? 1000);
const ROUNDS = Number(process.env.KF_BENCH_ROUNDS ?? 5);
const ITER = Number(process.env.KF_BENCH_ITER ?? 3);
const CONNS = 10;
const BODY = "x".repeat(8000); // about a lookaside host's catalog
const BUCKET = "kf-desired"; // the agent's bus reads this bucket

/** Starts HOSTS listeners of one kind; each counts the new values it has seen. */
async function listen(way, conns, seen, { AgentBus, silentLogger }) {
  for (let i = 0; i < HOSTS; i++) {
    const nc = conns[i % CONNS], key = `h${i}`;
    if (way === "kv watch") {
      const w = await (await new Kvm(nc).open(BUCKET)).watch({ key });
      void (async () => { for await (const e of w) if (e.operation === "PUT") seen[i]++; })();
    } else if (way === "core subscription") {
      nc.subscribe(`$KV.${BUCKET}.${key}`, { callback: () => void seen[i]++ });
    } else {
      // The agent's own code: its bus, as if `key` were its host.
      const bus = await AgentBus.open(nc, key, silentLogger());
      await bus.watchDesired(() => void seen[i]++, { checkMs: 3_600_000 });
    }
  }
}

async function once(way, { startNatsServer, ...agentSide }) {
  const dir = await mkdtemp(join(os.tmpdir(), "kf-bench-fanout-"));
  const server = await startNatsServer({ storeDir: dir });
  const conns = await Promise.all(Array.from({ length: CONNS + 1 }, () => connect({ servers: server.url })));
  const pub = conns.pop();
  try {
    const kv = await new Kvm(pub).create(BUCKET, { history: 5, allow_direct: true });
    const seen = new Array(HOSTS).fill(0);
    await listen(way, conns, seen, agentSide);
    await Promise.all(conns.map((c) => c.flush()));
    await sleep(500);
    const cpu0 = (await procUsage(server.pid)).cpuSeconds;
    const t0 = performance.now();
    for (let r = 1; r <= ROUNDS; r++) {
      for (let i = 0; i < HOSTS; i += 32) await Promise.all(Array.from({ length: Math.min(32, HOSTS - i) }, (_, j) => kv.put(`h${i + j}`, `${r}${BODY}`)));
      await waitUntil(() => seen.every((n) => n >= r), { timeoutMs: 60_000, message: `${way}: round ${r} seen by every host` });
    }
    return { ms: performance.now() - t0, serverCpuSeconds: (await procUsage(server.pid)).cpuSeconds - cpu0, serverRssMB: (await procUsage(server.pid)).peakRssMB };
  } finally {
    await Promise.all([...conns, pub].map((c) => c.close()));
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function main() {
  const deps = { ...(await dist("controller/nats/embedded-server.js")), ...(await dist("agent/bus.js")), ...(await dist("shared/log.js")) };
  const ways = ["kv watch", "core subscription + direct get", "core subscription"];
  const runs = Object.fromEntries(ways.map((w) => [w, []]));
  for (let i = 0; i < ITER; i++) for (const w of ways) runs[w].push(await once(w, deps));
  const base = stats(runs["kv watch"].map((r) => r.serverCpuSeconds)).median;
  console.log(`\nnats-fanout: ${HOSTS} keys, each with its own listener on ${CONNS} connections, put ${ROUNDS} times (8 KB values), ${ITER} alternating runs`);
  table(["way", "server CPU s, median", "of the watch's", "wall ms, median", "server peak RSS MB"], ways.map((w) => {
    const cpu = stats(runs[w].map((r) => r.serverCpuSeconds)).median;
    return [w, cpu.toFixed(2), `${((100 * cpu) / base).toFixed(0)} %`, ms(stats(runs[w].map((r) => r.ms)).median), ms(Math.max(...runs[w].map((r) => r.serverRssMB)))];
  }));
  await writeResult("nats-fanout", { hosts: HOSTS, rounds: ROUNDS, iterations: ITER, runs });
}
