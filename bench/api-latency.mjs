// The API's hot read, GET /api/v1/hosts, at 5 and at 1,000 hosts: the controller's fastify app
// (buildApp, as the daemon builds it) over a FleetState filled with a desired catalog and a
// reported status per host, kept as the controller keeps it (21 resource results, 5 probes; every tenth host failing one of
// each), no NATS or git. Two ways: fastify.inject in this process (routing, hooks, the handler
// and serialization, no socket), and real HTTP on 127.0.0.1 with one keep-alive connection.
// Requests go one at a time; warm-up requests are not counted.
import { dist, stats, table, writeResult } from "./lib.mjs";

const ms = (x) => (x >= 10 ? x.toFixed(1) : x.toFixed(2));

const SIZES = (process.env.KF_BENCH_API_HOSTS ?? "5,1000").split(",").map(Number);
const REQUESTS = Number(process.env.KF_BENCH_API_REQUESTS ?? 2000);
const WARMUP = Math.min(200, REQUESTS);

const NOW = new Date("2026-12-06T12:00:00.000Z");
const T = (s) => new Date(NOW.getTime() - s * 1000).toISOString();
const SHA = "0123456789abcdef0123456789abcdef01234567";
const digest = (i) => `sha256:${i.toString(16).padStart(64, "0")}`;

function fill(state, n, keptStatus) {
  state.lastGood = { sha: SHA, shortSha: SHA.slice(0, 12), message: "bench", author: "bench", authorEmail: "bench@example.org", date: T(600) };
  for (let i = 0; i < n; i++) {
    const host = `lk-${String(i).padStart(4, "0")}`;
    const failing = i % 10 === 9;
    const resources = Array.from({ length: 21 }, (_, r) => ({ id: `file:/etc/app/${r}.conf`, kind: "file", props: { path: `/etc/app/${r}.conf`, content: "x" }, requires: [], notifies: [] }));
    const probes = Array.from({ length: 5 }, (_, p) => ({ id: `probe-${p}`, kind: "tcp", props: { port: 8000 + p } }));
    state.desired.set(host, { protocol: "kf.v1.catalog", host, revision: SHA, generation: 3, issuedAt: T(300), digest: digest(i), roles: ["lookaside"], resources, probes });
    state.intended.set(host, digest(i));
    state.status.set(host, keptStatus({
      protocol: "kf.v1.status", host, agentVersion: "0.1.0", startedAt: T(3600), lastSeen: T(5), heartbeatSeconds: 60,
      observed: { revision: SHA, generation: 3, digest: digest(i) },
      applied: failing ? { revision: SHA, generation: 2, digest: digest(i + 1) } : { revision: SHA, generation: 3, digest: digest(i) },
      lastConverge: { startedAt: T(200), durationMs: 12.5, changed: 1, failed: failing ? 1 : 0, noop: false },
      conditions: [
        { type: "Ready", status: failing ? "False" : "True", reason: failing ? "ResourceFailed" : "Converged", message: failing ? "1 resource failed" : "all resources converged", lastTransitionTime: T(200) },
        { type: "Converged", status: failing ? "False" : "True", reason: failing ? "ResourceFailed" : "Converged", message: "", lastTransitionTime: T(200) },
        { type: "Healthy", status: failing ? "False" : "True", reason: failing ? "ProbeFailed" : "ProbesPassing", message: "", lastTransitionTime: T(200) },
      ],
      resources: resources.map((r, k) => ({ id: r.id, kind: "file", outcome: failing && k === 0 ? "failed" : k === 1 ? "changed" : "unchanged", changes: k === 1 ? ["content"] : [], ...(failing && k === 0 && { error: "EACCES: permission denied" }), durationMs: 0.4 })),
      probes: probes.map((p, k) => ({ id: p.id, healthy: !(failing && k === 0), output: failing && k === 0 ? "connection refused" : "ok", since: T(200), checkedAt: T(5) })),
    }));
  }
}

async function timed(n, send) {
  for (let i = 0; i < WARMUP; i++) await send();
  const xs = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    bytes = await send();
    xs.push(performance.now() - t0);
  }
  return { ...stats(xs), bytes };
}

export async function main() {
  const { buildApp } = await dist("controller/http/app.js");
  const { FleetState } = await dist("controller/fleet/state.js");
  const { keptStatus } = await dist("controller/fleet/kept-status.js");
  const rows = [];
  const results = [];
  for (const hosts of SIZES) {
    const state = new FleetState(T(7200));
    fill(state, hosts, keptStatus);
    const app = await buildApp({ state, clock: () => NOW, requestSync: () => undefined, readiness: () => ({ ready: true, reason: "ok" }), reportedStatus: async () => null });
    const inject = await timed(REQUESTS, async () => {
      const res = await app.inject("/api/v1/hosts");
      if (res.statusCode !== 200) throw new Error(`inject: ${res.statusCode}`);
      return res.rawPayload.length;
    });
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    const http = await timed(REQUESTS, async () => {
      const res = await fetch(`${url}/api/v1/hosts`);
      const body = await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`http: ${res.status}`);
      return body.byteLength;
    });
    await app.close();
    for (const [way, s] of [["inject", inject], ["http", http]]) {
      rows.push([hosts, way, REQUESTS, ms(s.median), ms(s.p95), Math.round(1000 / s.median), s.bytes]);
      results.push({ hosts, way, requests: REQUESTS, medianMs: s.median, p95Ms: s.p95, minMs: s.min, maxMs: s.max, bytes: s.bytes });
    }
  }
  table(["hosts", "way", "requests", "median ms", "p95 ms", "req/s (1/median)", "body bytes"], rows);
  await writeResult("api-latency", { requests: REQUESTS, results });
}
