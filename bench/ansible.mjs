// Ansible side by side: 20 local hosts, each getting 3 templated files and 2 directories under its
// own root. A = ansible-playbook (ansible-core from Debian, ansible_connection=local, gather_facts
// off, which favours Ansible; default forks, 5: forks 20 thrashed a 2-core machine). B = koji-fleet: 20 Agent instances (sandbox roots,
// each with its own NATS connection to a real nats-server) fed hand-built catalogs of the same
// 3 file + 2 directory resources, signed with the controller's Signer and put in kf-desired with
// the ControllerBus; timed from the first put until all 20 agents report the revision applied
// (the status KV, as the controller sees it). No git and no fleet.yaml compile: fleet.yaml is
// Koji-specific. Runs: first (empty roots), no-change (a new generation of the same content:
// the agent converges and changes nothing, like a re-run playbook), one-line change; and new
// farm: 20 agents that were never enrolled start with one-time tokens (their key, a CSR
// answered by the fleet CA on kf.enroll, the catalog key pinned), then converge their first
// catalog, already waiting in kf-desired; timed from the agents' start to all 20 applied,
// against Ansible's first run.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dist, run, stats, ms, table, writeResult, waitUntil } from "./lib.mjs";

const N = 20;
const ITER = Number(process.env.KF_BENCH_ITER ?? 3);
const HOSTS = Array.from({ length: N }, (_, i) => `h${String(i).padStart(2, "0")}`);

// The same contents both ways: Jinja templates for Ansible, the same text rendered in JS for koji-fleet.
const TEMPLATES = {
  "etc/app/app.conf": (h, v) => `# managed\n[main]\nhost = ${h}\nport = ${v.port}\nworkers = 4\n`,
  "etc/app/users.conf": (h) => `admin = ${h}-admin\nguest = ${h}-guest\n`,
  "etc/app/limits.conf": (h) => `maxjobs = 10\nowner = ${h}\n`,
};
const JINJA = {
  "etc/app/app.conf": "# managed\n[main]\nhost = {{ inventory_hostname }}\nport = {{ port }}\nworkers = 4\n",
  "etc/app/users.conf": "admin = {{ inventory_hostname }}-admin\nguest = {{ inventory_hostname }}-guest\n",
  "etc/app/limits.conf": "maxjobs = 10\nowner = {{ inventory_hostname }}\n",
};
const DIRS = ["etc/app", "srv/app/data"];

async function ansibleSetup(dir) {
  await mkdir(join(dir, "templates"), { recursive: true });
  const names = Object.keys(JINJA);
  await Promise.all(names.map((p, i) => writeFile(join(dir, "templates", `t${i}.j2`), JINJA[p])));
  await writeFile(join(dir, "ansible.cfg"), "[defaults]\nhost_key_checking = False\nretry_files_enabled = False\ninterpreter_python = /usr/bin/python3\nstdout_callback = default\n");
  const tasks = [
    ...DIRS.map((d) => `    - name: dir ${d}\n      ansible.builtin.file: { path: "{{ root }}/${d}", state: directory, mode: "0755" }\n`),
    ...names.map((p, i) => `    - name: file ${p}\n      ansible.builtin.template: { src: templates/t${i}.j2, dest: "{{ root }}/${p}", mode: "0644" }\n`),
  ];
  await writeFile(join(dir, "site.yml"), `- hosts: all\n  gather_facts: false\n  tasks:\n${tasks.join("")}`);
  const writeInventory = (port) => writeFile(join(dir, "inventory.ini"), `[all]\n${HOSTS.map((h) => `${h} ansible_connection=local root=${join(dir, "roots", h)} port=${port}`).join("\n")}\n`);
  return {
    async run(port) {
      await writeInventory(port);
      const t0 = performance.now();
      await run("ansible-playbook", ["-i", "inventory.ini", "site.yml"], { cwd: dir, env: { ...process.env, ANSIBLE_CONFIG: join(dir, "ansible.cfg") } });
      return performance.now() - t0;
    },
    reset: () => rm(join(dir, "roots"), { recursive: true, force: true }),
  };
}

export async function kojiSetup(dir, natsUrl) {
  const { CertificateAuthority } = await dist("controller/ca/authority.js");
  const { serveEnrollment } = await dist("controller/ca/enrollment.js");
  const { TokenStore } = await dist("controller/ca/tokens.js");
  const { Agent } = await dist("agent/agent.js");
  const { withDefaults } = await dist("agent/config.js");
  const { Signer, generateSigningKeyPem } = await dist("shared/signing.js");
  const { ControllerBus } = await dist("controller/nats/bus.js");
  const { connectNats } = await dist("shared/nats.js");
  const { contentDigest } = await dist("controller/fleet/publication.js");
  const { silentLogger } = await dist("shared/log.js");
  const { BUCKET_DESIRED, desiredKey } = await dist("shared/names.js");
  const { Kvm } = await import("@nats-io/kv");
  const signer = new Signer(generateSigningKeyPem());
  const nc = await connectNats({ servers: [natsUrl] }, "bench-publisher");
  const bus = await ControllerBus.open(nc, silentLogger());
  const desired = await new Kvm(nc).open(BUCKET_DESIRED);
  const status = new Map();
  await bus.followStatus((h, s) => (s ? status.set(h, s) : status.delete(h)));
  let gen = 0, round = 0, agents = [];
  // The fleet CA answering kf.enroll, as the controller does (not timed: made once).
  const ca = await CertificateAuthority.init(join(dir, "ca"), { subject: [["O", "koji-fleet bench"], ["CN", "Koji CA"]], keyBits: 2048 });
  const tokens = new TokenStore(join(dir, "tokens"));
  const enrollments = serveEnrollment(nc, { ca, tokens, inFleet: () => true, catalogPublicKeyPem: signer.publicKeyPem }, silentLogger());
  const catalog = (h, port, revision) => {
    const resources = [
      ...DIRS.map((d) => ({ id: `directory:/${d}`, kind: "directory", props: { path: `/${d}`, mode: "0755", owner: "root", group: "root" }, requires: [], notifies: [] })),
      ...Object.entries(TEMPLATES).map(([p, f]) => ({ id: `file:/${p}`, kind: "file", props: { path: `/${p}`, content: f(h, { port }), mode: "0644", owner: "root", group: "root" }, requires: ["directory:/etc/app"], notifies: [] })),
    ];
    const content = { host: h, roles: ["bench"], resources, probes: [] };
    return signer.sign({ protocol: "kf.v1.catalog", ...content, revision, generation: gen, issuedAt: new Date().toISOString(), digest: contentDigest(content) });
  };
  return {
    /** Fresh roots and state, 20 new agents connected and idle (not timed). */
    async reset() {
      await Promise.all(agents.map((a) => (a.agent.stop(), a.done)));
      // The next round's agents start empty: no catalog of this round waiting for them.
      await Promise.all(HOSTS.map((h) => desired.delete(desiredKey(h))));
      await rm(join(dir, "k"), { recursive: true, force: true });
      round++;
      gen = 0;
      agents = await Promise.all(HOSTS.map(async (h) => {
        const base = join(dir, "k", h);
        await mkdir(base, { recursive: true });
        await writeFile(join(base, "catalog.pub"), signer.publicKeyPem);
        const agent = new Agent(withDefaults({ host: h, nats: { servers: [natsUrl], reconnectWaitMs: 100 }, root: join(base, "root"), sandbox: true, stateDir: join(base, "state"), identityDir: join(base, "id"), catalogKeyFile: join(base, "catalog.pub"), heartbeatSeconds: 60, probeSeconds: 3600 }));
        const done = agent.run();
        await agent.ready;
        return { agent, done };
      }));
    },
    /** New farm: catalogs first, then 20 agents never enrolled; timed from their start to all applied. */
    async newFarm(port) {
      await Promise.all(agents.map((a) => (a.agent.stop(), a.done)));
      agents = [];
      await rm(join(dir, "k"), { recursive: true, force: true });
      round++;
      gen = 1;
      const revision = (round * 1000 + gen).toString(16).padStart(8, "0");
      await Promise.all(HOSTS.map((h) => bus.putCatalog(catalog(h, port, revision))));
      const configs = await Promise.all(HOSTS.map(async (h) => {
        const base = join(dir, "k", h);
        await mkdir(base, { recursive: true });
        await writeFile(join(base, "token"), await tokens.create(h, 3600));
        return withDefaults({ host: h, nats: { servers: [natsUrl], reconnectWaitMs: 100 }, root: join(base, "root"), sandbox: true, stateDir: join(base, "state"), identityDir: join(base, "id"), catalogKeyFile: join(base, "id", "catalog.pub"), enrollment: { tokenFile: join(base, "token") }, heartbeatSeconds: 60, probeSeconds: 3600 });
      }));
      const t0 = performance.now();
      let enrolledMs = 0;
      agents = configs.map((cfg) => {
        const agent = new Agent(cfg);
        const done = agent.run();
        void agent.ready.then(() => (enrolledMs = Math.max(enrolledMs, performance.now() - t0)));
        return { agent, done };
      });
      await waitUntil(() => HOSTS.every((h) => status.get(h)?.applied?.revision === revision), { timeoutMs: 120_000, stepMs: 1, message: "20 new agents applied" });
      return { ms: performance.now() - t0, enrolledMs };
    },
    async run(port) {
      gen++;
      const revision = (round * 1000 + gen).toString(16).padStart(8, "0");
      const cats = HOSTS.map((h) => catalog(h, port, revision));
      const t0 = performance.now();
      await Promise.all(cats.map((c) => bus.putCatalog(c)));
      await waitUntil(() => HOSTS.every((h) => status.get(h)?.applied?.revision === revision && status.get(h)?.applied?.generation === gen), { timeoutMs: 60_000, stepMs: 1, message: "20 agents applied" });
      return performance.now() - t0;
    },
    async stop() {
      await Promise.all(agents.map((a) => (a.agent.stop(), a.done)));
      enrollments.unsubscribe();
      bus.stop();
      await nc.close();
    },
  };
}

export async function main() {
  await run("ansible-playbook", ["--version"]).catch(() => { throw new Error("ansible-playbook not found: apt-get install -y ansible-core"); });
  const { startNatsServer } = await dist("controller/nats/embedded-server.js");
  const dir = await mkdtemp(join(tmpdir(), "kf-bench-ansible-"));
  const nats = await startNatsServer({ storeDir: join(dir, "nats") });
  const A = await ansibleSetup(join(dir, "ansible"));
  const B = await kojiSetup(dir, nats.url);
  const cols = ["first", "no-change", "one-line change", "new farm"];
  const res = { ansible: Object.fromEntries(cols.map((c) => [c, []])), kojiFleet: Object.fromEntries(cols.map((c) => [c, []])), kojiFleetEnrolledMs: [], ratios: [] };
  try {
    for (let i = 0; i < ITER; i++) {
      const order = i % 2 === 0 ? [["ansible", A], ["kojiFleet", B]] : [["kojiFleet", B], ["ansible", A]];
      const it = {};
      for (const [name, side] of order) {
        await side.reset();
        it[name] = { first: await side.run(8080), "no-change": await side.run(8080), "one-line change": await side.run(8081 + i) };
        if (name === "ansible") {
          // Ansible has no enrollment: its new farm is its first run (measured again, on empty roots).
          await side.reset();
          it[name]["new farm"] = await side.run(8080);
        } else {
          const f = await side.newFarm(8080);
          it[name]["new farm"] = f.ms;
          res.kojiFleetEnrolledMs.push(f.enrolledMs);
        }
        for (const c of cols) res[name][c].push(it[name][c]);
      }
      const r = Object.fromEntries(cols.map((c) => [c, it.ansible[c] / it.kojiFleet[c]]));
      res.ratios.push(r);
      console.log(`iteration ${i + 1} (${order.map((o) => o[0]).join(" then ")}): ` + cols.map((c) => `${c}: ansible ${ms(it.ansible[c])} ms, koji-fleet ${ms(it.kojiFleet[c])} ms, ${r[c].toFixed(0)}x`).join("; "));
    }
  } finally {
    await B.stop();
    await nats.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const summary = cols.map((c) => {
    const a = stats(res.ansible[c]), k = stats(res.kojiFleet[c]), r = stats(res.ratios.map((x) => x[c]));
    return { run: c, ansible: a, kojiFleet: k, ratio: r };
  });
  console.log(`\nansible: ${N} local hosts x (3 templated files + 2 directories), ${ITER} alternating A/B iterations; ms`);
  table(["run", "ansible median", "ansible p95", "koji-fleet median", "koji-fleet p95", "ratio median", "ratio min"],
    summary.map((s) => [s.run, ms(s.ansible.median), ms(s.ansible.p95), ms(s.kojiFleet.median), ms(s.kojiFleet.p95), `${s.ratio.median.toFixed(0)}x`, `${s.ratio.min.toFixed(0)}x`]));
  const enrolled = stats(res.kojiFleetEnrolledMs);
  console.log(`new farm, koji-fleet: all 20 agents enrolled and connected after ${ms(enrolled.median)} ms (median; p95 ${ms(enrolled.p95)}), the rest is their first converge`);
  console.log(`target >= 30x in the change columns: ${summary.filter((s) => s.run !== "new farm").every((s) => s.ratio.min >= 30) ? "met" : "MISSED"}; new farm >= 5x: ${summary.find((s) => s.run === "new farm").ratio.min >= 5 ? "met" : "MISSED"}`);
  await writeResult("ansible", { hosts: N, iterations: ITER, ansibleVersion: (await run("ansible-playbook", ["--version"])).split("\n")[0], raw: res, summary });
}
