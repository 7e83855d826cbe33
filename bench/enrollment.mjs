// Enrollment throughput: 200 hosts enrolling with one-time tokens (CSR -> certificate signed by the
// fleet CA, token spent, catalog key pinned) against one controller, all at once.
// The agent's RSA key generation happens on each host in parallel in real life, so it is timed
// separately (keys are generated first and kept in each identity dir, as enrollIfNeeded allows);
// "enroll" is the wall time of the 200 concurrent CSR round trips the controller must serve.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { dist, startFleet, stats, ms, table, writeResult, procUsage } from "./lib.mjs";
import { generatedFleet } from "./fleets.mjs";

const N = Number(process.env.KF_BENCH_ENROLL ?? 200);
const ROUNDS = Number(process.env.KF_BENCH_ROUNDS ?? 3);

// Keys and CSRs are made once and reused by every round (each round has a fresh CA and tokens).
const KEYS = new Map(), CSRS = new Map();
let KEYGEN_MS;

async function round() {
  const { identityFiles } = await dist("agent/enroll.js");
  const { createCsr, generateKeyPem } = await dist("agent/csr.js");
  const { connectNats } = await dist("shared/nats.js");
  const { ENROLL_SUBJECT, ENROLL_INBOX_PREFIX } = await dist("shared/names.js");
  const { yaml, extra } = await generatedFleet(N, { role: "lookaside", prefix: "en" });
  const fleet = await startFleet({ fleetYaml: yaml, hosts: extra, startAgents: false });
  try {
    const k0 = performance.now();
    if (!KEYS.size) await Promise.all(extra.map(async (h) => KEYS.set(h, await generateKeyPem())));
    const keygenMs = KEYGEN_MS ??= performance.now() - k0;
    await Promise.all(extra.map((h) => writeFile(identityFiles(fleet.identityDir(h)).key, KEYS.get(h), { mode: 0o600 })));
    // The host side of enrollment (RSA key, CSR) runs on each host in real life:
    // built here before the clock starts, then sent exactly as enrollIfNeeded sends it.
    const { readFile } = await import("node:fs/promises");
    const { createPrivateKey } = await import("node:crypto");
    const requests = await Promise.all(extra.map(async (h) => {
      const token = (await readFile(join(fleet.identityDir(h), "token"), "utf8")).trim();
      if (!CSRS.has(h)) CSRS.set(h, createCsr(createPrivateKey(KEYS.get(h)), [["CN", h]]));
      const csr = CSRS.get(h);
      return JSON.stringify({ host: h, token, csr });
    }));
    const nc = await connectNats({ servers: [fleet.nats.url] }, "bench-enroll", ENROLL_INBOX_PREFIX);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const replies = await Promise.all(requests.map((r) => nc.request(ENROLL_SUBJECT, r, { timeout: 120_000 }).then((m) => m.json())));
    const enrollMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    await nc.close();
    const bad = replies.filter((r) => !r.ok);
    if (bad.length) throw new Error(`${bad.length} hosts refused: ${bad[0].error}`);
    return { keygenMs, enrollMs, perSecond: N / (enrollMs / 1000), withKeygenPerSecond: N / ((enrollMs + keygenMs) / 1000), processCpuSeconds: (cpu.user + cpu.system) / 1e6, natsServer: await procUsage(fleet.nats.pid) };
  } finally {
    await fleet.stop();
  }
}

export async function main() {
  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await round());
  const e = stats(rounds.map((r) => r.enrollMs)), k = stats(rounds.map((r) => r.keygenMs)), rate = stats(rounds.map((r) => r.perSecond)), rate2 = stats(rounds.map((r) => r.withKeygenPerSecond));
  console.log(`\nenrollment: ${N} hosts enrolling concurrently, ${ROUNDS} rounds (a fresh controller and nats-server each)`);
  table(["measure", "median", "p95"], [
    ["enroll wall ms (200 concurrent kf.enroll requests)", ms(e.median), ms(e.p95)],
    ["enrollments / s", rate.median.toFixed(0), "-"],
    [`key generation ms (${N} RSA keys, this process)`, ms(k.median), ms(k.p95)],
    ["enrollments / s incl. keygen in one process", rate2.median.toFixed(0), "-"],
  ]);
  console.log(`target >= 50/s: ${rate.median >= 50 ? "met" : "MISSED"}`);
  await writeResult("enrollment", { hosts: N, rounds, enrollMs: e, keygenMs: k, perSecond: rate, withKeygenPerSecond: rate2 });
}
