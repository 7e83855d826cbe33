// Child process of controller-10000: many simulated agents, each doing what the controller sees of
// a real one and nothing else. Per host, as the agent does (agent/bus.ts): a core subscription to
// its kf-desired key's subject (the doorbell), a direct get of the key, the catalog decoded and
// its signature verified against the pinned key, and its status put in kf-status with the
// catalog applied and a result per resource and probe, as a no-op converge reports them (no
// resources converged: 10,000 real agents cannot run on 2 cores). Hosts share
// connections (KF_BENCH_HOSTS_PER_CONN, default 50): the bench's nats-server has no authorization
// at all (as in every benchmark), so a connection can act for many hosts; what a host's own NATS
// user may do is tested in controller/nats/confinement.test.ts, not here.
// Messages from the parent: "heartbeat" puts every host's status again with a fresh lastSeen
// (one heartbeat interval's worth at once) and answers with its time; "stop" ends.
import { dist } from "./lib.mjs";

const { natsUrl, hosts, pubPem, hostsPerConnection } = JSON.parse(process.argv[2]);
const { connect } = await import("@nats-io/transport-node");
const { jetstream } = await import("@nats-io/jetstream");
const { Kvm } = await import("@nats-io/kv");
const { BUCKET_DESIRED, BUCKET_STATUS, kvSubject } = await dist("shared/names.js");
const { decodeCatalog } = await dist("shared/validate.js");
const { Verifier } = await dist("shared/signing.js");

const verifier = new Verifier(pubPem);
const startedAt = new Date().toISOString();
const rejected = [];
/** Per host: its last applied catalog, so a heartbeat reports it again. */
const applied = new Map();
const groups = [];

// As an agent reports a no-op converge: one result per resource, one per probe (their size is
// most of what the controller holds per host).
const resultsOf = (catalog, at) => ({
  resources: catalog.resources.map((r) => ({ id: r.id, kind: r.kind, outcome: "unchanged", changes: [], durationMs: 0.2 })),
  probes: catalog.probes.map((p) => ({ id: p.id, healthy: true, output: "ok", since: at, checkedAt: at })),
});

const statusOf = (host, state, lastSeen) => {
  const ref = state?.ref ?? null;
  const since = ref ? lastSeen : startedAt;
  return {
    protocol: "kf.v1.status", host, agentVersion: "bench-sim", startedAt, lastSeen, heartbeatSeconds: 3600,
    observed: ref, applied: ref, lastConverge: ref ? { startedAt: lastSeen, durationMs: 0, changed: 0, failed: 0, noop: true } : null,
    conditions: [
      { type: "Converged", status: ref ? "True" : "Unknown", reason: ref ? "Applied" : "NoCatalog", message: "", lastTransitionTime: since },
      { type: "Ready", status: ref ? "True" : "False", reason: ref ? "Converged" : "NoCatalog", message: "", lastTransitionTime: since },
    ],
    resources: state?.resources ?? [], probes: state?.probes ?? [],
  };
};

for (let i = 0; i < hosts.length; i += hostsPerConnection) {
  const mine = hosts.slice(i, i + hostsPerConnection);
  const nc = await connect({ servers: [natsUrl], name: `bench-sim-${mine[0]}`, maxReconnectAttempts: -1 });
  const js = jetstream(nc, { checkAPI: false, timeout: 30_000 });
  const kvm = new Kvm(js);
  const desired = await kvm.open(BUCKET_DESIRED, { allow_direct: true });
  const status = await kvm.open(BUCKET_STATUS, { allow_direct: true });
  groups.push({ nc, status });
  for (const host of mine) {
    let delivered = 0, busy = false, again = false, rangAgain = false;
    const pull = async (rang = false) => {
      if (busy) { again = true; rangAgain ||= rang; return; }
      busy = true;
      try {
        for (let ringing = rang; ; ringing = rangAgain, rangAgain = false) {
          again = false;
          let e = await desired.get(host);
          // As the agent does (agent/bus.ts): the doorbell can ring before the stream has stored the put.
          for (let attempt = 0; ringing && (!e || e.revision <= delivered) && attempt < 9; attempt++) {
            await new Promise((r) => setTimeout(r, 10 * 2 ** attempt));
            e = await desired.get(host);
          }
          if (e && e.revision > delivered && e.operation === "PUT") await deliver(e);
          if (!again) break;
        }
      } catch (err) {
        console.error(`sim ${host}: ${err.message}`);
      } finally {
        busy = false;
      }
    };
    const deliver = async (e) => {
      delivered = e.revision;
      const catalog = decodeCatalog(e.value);
      const bad = verifier.check(catalog);
      if (bad) return void rejected.push(`${host}: ${bad}`);
      const at = new Date().toISOString();
      const state = { ref: { revision: catalog.revision, generation: catalog.generation, digest: catalog.digest }, ...resultsOf(catalog, at) };
      applied.set(host, state);
      await status.put(host, JSON.stringify(statusOf(host, state, at)));
    };
    nc.subscribe(kvSubject(BUCKET_DESIRED, host), { callback: () => void pull(true) });
    void pull();
  }
  await nc.flush();
}
process.send({ ready: hosts.length });

process.on("message", async (m) => {
  if (m === "heartbeat") {
    const lastSeen = new Date().toISOString();
    let failed = 0;
    await Promise.all(groups.map(async ({ status }, g) => {
      for (const host of hosts.slice(g * hostsPerConnection, (g + 1) * hostsPerConnection)) {
        await status.put(host, JSON.stringify(statusOf(host, applied.get(host) ?? null, lastSeen))).catch(() => failed++);
      }
    }));
    process.send({ heartbeat: lastSeen, failed, rejected: rejected.length });
  }
  if (m === "stop") {
    await Promise.all(groups.map(({ nc }) => nc.close()));
    process.send({ stopped: true, rejected });
    process.exit(0);
  }
});
