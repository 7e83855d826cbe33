// Ansible side by side, end to end: 20 local hosts with the lookaside role (the seed's
// cs10-koji-04 and 19 generated ones; fleet.yaml has no generic resources), every one getting what
// the product under test compiles for it. The work is the same both ways: Ansible is given the
// files, directories and symlink of each host's compiled catalog, with the same contents.
// A = ansible-playbook (ansible-core from Debian, ansible_connection=local, gather_facts off,
//     default forks 5; loops and `copy` of the rendered files, which favours Ansible).
// B = koji-fleet end to end: nats-server, `koji-fleet controller` in its own process as its RPM
//     runs it, a real git remote, 20 agents (sandbox roots, each its own NATS connection) enrolled
//     with one-time tokens. Timed from `git commit` starting (then push, webhook) until the
//     controller's GET /api/v1/hosts shows all 20 at the new revision.
// C = agents alone (the old B): hand-built catalogs of the same resources put in kf-desired.
// Runs: first (empty roots), no-change, one-line change. See bench/README.md.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DIST, PRODUCT, asShipped, createRemote, dist, distFirst, procUsage, run, stats, ms, sleep, table, writeResult, waitUntil } from "./lib.mjs";
import { generatedFleet } from "./fleets.mjs";
import { freePort } from "./controller-farm.mjs";

const N = 20;
const ITER = Number(process.env.KF_BENCH_ITER ?? 3);
const POLL_MS = 5;
// The first run lasts seconds: polling the API every 5 ms would cost the controller and the
// bench process (where the agents run) a CPU second or two of it.
const FIRST_POLL_MS = 50;
// KF_BENCH_ANSIBLE=0: koji-fleet's sides alone (minutes, not half an hour): for A/B of two builds.
const WITH_ANSIBLE = process.env.KF_BENCH_ANSIBLE !== "0";
const RUNS = ["first", "no-change", "one-line change"];
// The kinds both sides apply the same way in a sandbox root. The lookaside catalog's others are
// koji-fleet's alone: its TLS certificate (a key and the CA's signature, first run), the CA bundle,
// /etc/hosts entries; packages, services, firewall and SELinux are not applied in a sandbox.
const MIRRORED = new Set(["directory", "file", "symlink"]);


/** The fleet: seed + 19 lookaside hosts; fleet.yaml with `topdir` and an optional trailing comment. */
async function benchFleet() {
  const { yaml, extra } = await generatedFleet(N - 1, { role: "lookaside", prefix: "lk" });
  if (!yaml.includes("topdir: /mnt/koji\n")) throw new Error(`${PRODUCT}/gitops/fleet.yaml: no "topdir: /mnt/koji" line to change`);
  const at = (topdir, comment) => yaml.replace("topdir: /mnt/koji\n", `topdir: ${topdir}\n`) + (comment ? `# ${comment}\n` : "");
  return { hosts: ["cs10-koji-04", ...extra], at };
}

/** What each host's compiled catalog holds of the mirrored kinds, compiled by the product under test. */
async function compiledResources(yaml, hosts) {
  const { loadFleet } = await dist("controller/config/load-fleet.js");
  const { compileFleet } = await dist("controller/compile/compile.js");
  const loaded = loadFleet(yaml, "fleet.yaml");
  if (!loaded.ok) throw new Error(`fleet.yaml refused: ${JSON.stringify(loaded.errors)}`);
  const byHost = new Map(compileFleet(loaded.fleet).map((c) => [c.host, c]));
  return new Map(hosts.map((h) => {
    const kept = byHost.get(h).resources.filter((r) => MIRRORED.has(r.kind));
    const ids = new Set(kept.map((r) => r.id));
    return [h, kept.map((r) => ({ ...r, requires: r.requires.filter((x) => ids.has(x)), notifies: r.notifies.filter((x) => ids.has(x)) }))];
  }));
}

async function ansibleSetup(dir, hosts) {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "ansible.cfg"), "[defaults]\nhost_key_checking = False\nretry_files_enabled = False\ninterpreter_python = /usr/bin/python3\nstdout_callback = default\n");
  await writeFile(join(dir, "inventory.ini"), `[all]\n${hosts.map((h) => `${h} ansible_connection=local root=${join(dir, "roots", h)}`).join("\n")}\n`);
  let tasks = null;
  return {
    /** Writes each host's rendered files (not timed) and, once, the playbook of the resources. */
    async prepare(resources) {
      const first = resources.get(hosts[0]);
      const dirs = first.filter((r) => r.kind === "directory").map((r) => ({ path: r.props.path, mode: r.props.mode }));
      const files = first.filter((r) => r.kind === "file").map((r, i) => ({ src: String(i), path: r.props.path, mode: r.props.mode }));
      const links = first.filter((r) => r.kind === "symlink").map((r) => ({ path: r.props.path, target: r.props.target }));
      // Ansible's `file: state=link` does not make the link's parent; the agent's sandbox does.
      for (const l of links) if (!dirs.some((d) => d.path === dirname(l.path))) dirs.push({ path: dirname(l.path), mode: "0755" });
      for (const h of hosts) {
        const mine = resources.get(h).filter((r) => r.kind === "file");
        if (mine.map((r) => r.props.path).join() !== files.map((f) => f.path).join()) throw new Error(`${h}: not the same files as ${hosts[0]}`);
        await mkdir(join(dir, "files", h), { recursive: true });
        await Promise.all(mine.map((r, i) => writeFile(join(dir, "files", h, String(i)), r.props.content)));
      }
      if (tasks) return;
      tasks = { dirs: dirs.length, files: files.length, links: links.length };
      const loop = (items) => `      loop: ${JSON.stringify(items)}\n      loop_control: { label: "{{ item.path }}" }\n`;
      await writeFile(join(dir, "site.yml"), `- hosts: all\n  gather_facts: false\n  tasks:\n`
        + `    - name: directories\n      ansible.builtin.file: { path: "{{ root }}{{ item.path }}", state: directory, mode: "{{ item.mode }}" }\n${loop(dirs)}`
        + `    - name: files\n      ansible.builtin.copy: { src: "files/{{ inventory_hostname }}/{{ item.src }}", dest: "{{ root }}{{ item.path }}", mode: "{{ item.mode }}" }\n${loop(files)}`
        + `    - name: symlinks\n      ansible.builtin.file: { src: "{{ item.target }}", dest: "{{ root }}{{ item.path }}", state: link, force: true }\n${loop(links)}`);
    },
    get tasks() { return tasks; },
    async run() {
      const t0 = performance.now();
      await run("ansible-playbook", ["-i", "inventory.ini", "site.yml"], { cwd: dir, env: { ...process.env, ANSIBLE_CONFIG: join(dir, "ansible.cfg") } });
      return performance.now() - t0;
    },
    reset: () => rm(join(dir, "roots"), { recursive: true, force: true }),
  };
}

/** koji-fleet from the commit: a fresh farm per round (nats-server, git remote, CA, controller, agents). */
async function endToEndSetup(dir, hosts) {
  const { startNatsServer } = await distFirst("controller/nats/embedded-server.js", "controller/embedded/nats-server.js");
  const { CertificateAuthority } = await dist("controller/ca/authority.js");
  const { TokenStore, tokenFile } = await dist("controller/ca/tokens.js");
  const { Agent } = await dist("agent/agent.js");
  const { withDefaults } = await dist("agent/config.js");
  // As the controller RPM runs it: the product tree's bundle, built once, under its unit's flags.
  const [bin, flags, bundleDir] = await asShipped("controller", { bin: process.env.KF_BENCH_CONTROLLER_BIN, flags: process.env.KF_BENCH_CONTROLLER_FLAGS });
  let farm = null;

  async function stopFarm() {
    if (!farm) return;
    const f = farm;
    farm = null;
    for (const a of f.agents) a.agent.stop();
    await Promise.all(f.agents.map((a) => a.done));
    if (f.controller.exitCode === null) { f.controller.kill("SIGTERM"); await new Promise((r) => f.controller.once("exit", r)); }
    await f.nats.stop();
    await rm(f.dir, { recursive: true, force: true });
  }

  /** Resolves when the controller's GET /api/v1/hosts shows every host at `sha` (polled every `pollMs`). */
  async function hostsAt(apiUrl, sha, pollMs = POLL_MS) {
    for (;;) {
      const res = await fetch(`${apiUrl}/api/v1/hosts`).catch(() => null);
      if (res?.ok) {
        const views = new Map((await res.json()).hosts.map((v) => [v.host, v]));
        if (hosts.every((h) => views.get(h)?.revision === sha)) return performance.now();
      }
      await sleep(pollMs);
    }
  }

  return {
    /**
     * First run of a new farm. Not timed: nats-server, the git remote with fleet.yaml, the CA
     * (`koji-fleet ca init`), 20 one-time tokens and their files on the hosts. Timed: from
     * starting the controller and the 20 agents at once until the controller shows all 20 at the commit.
     */
    async first(round, yaml) {
      await stopFarm();
      const fdir = join(dir, `farm-${round}`);
      await mkdir(join(fdir, "git"), { recursive: true });
      const nats = await startNatsServer({ storeDir: join(fdir, "nats") });
      const remote = await createRemote(join(fdir, "git"));
      const sha = await remote.commit("initial fleet", { "fleet.yaml": yaml });
      await CertificateAuthority.init(join(fdir, "ca"), { subject: [["O", "koji-fleet bench"], ["CN", "Koji CA"]], keyBits: 2048 });
      const stateDir = join(fdir, "controller");
      await mkdir(stateDir, { recursive: true, mode: 0o700 });
      const tokens = new TokenStore(tokenFile(stateDir));
      const identityDir = (h) => join(fdir, "hosts", h, "identity");
      for (const h of hosts) {
        await mkdir(identityDir(h), { recursive: true });
        await writeFile(join(identityDir(h), "token"), await tokens.create(h, 3600));
      }
      const port = await freePort();
      const apiUrl = `http://127.0.0.1:${port}`;
      const configFile = join(fdir, "controller.yaml");
      await writeFile(configFile, JSON.stringify({
        git: { url: remote.bareDir, pollSeconds: 3600 }, nats: { servers: [nats.url] }, http: { host: "127.0.0.1", port },
        stateDir, ca: { dir: join(fdir, "ca") }, logLevel: "warn",
      }));
      const nats0 = await procUsage(nats.pid), cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const controller = spawn(process.execPath, [...flags, bin, "controller", "--config", configFile], { stdio: ["ignore", "ignore", "inherit"] });
      const phases = { controllerReady: null, agentsConnected: [] };
      void waitUntil(async () => (await fetch(`${apiUrl}/readyz`).catch(() => null))?.ok, { timeoutMs: 120_000, stepMs: FIRST_POLL_MS, message: "controller ready" })
        .then(() => (phases.controllerReady = performance.now() - t0), () => {});
      const agents = hosts.map((h) => {
        const base = join(fdir, "hosts", h);
        const agent = new Agent(withDefaults({
          host: h, nats: { servers: [nats.url], reconnectWaitMs: 100 }, root: join(base, "root"), sandbox: true, stateDir: join(base, "state"),
          identityDir: identityDir(h), catalogKeyFile: join(identityDir(h), "catalog.pub"), enrollment: { tokenFile: join(identityDir(h), "token") },
          heartbeatSeconds: 60, probeSeconds: 3600,
        }));
        void agent.ready.then(() => phases.agentsConnected.push(performance.now() - t0));
        return { agent, done: agent.run().catch((e) => console.error(h, e)) };
      });
      farm = { dir: fdir, nats, remote, controller, agents, apiUrl, round, n: 0 };
      const end = await Promise.race([hostsAt(apiUrl, sha, FIRST_POLL_MS), new Promise((_, rej) => controller.once("exit", (c) => rej(new Error(`controller exited ${c}`))))]);
      const allConnected = phases.agentsConnected.length === hosts.length ? Math.max(...phases.agentsConnected) : NaN;
      // Where the first run's CPU went: the controller process, the bench process (the 20 agents:
      // RSA keys, CSRs, converges; and the API polling), nats-server.
      const cpu = process.cpuUsage(cpu0), nats1 = await procUsage(nats.pid);
      const cpuSeconds = { controller: (await procUsage(controller.pid)).cpuSeconds, agents: (cpu.user + cpu.system) / 1e6, natsServer: nats1.cpuSeconds - nats0.cpuSeconds };
      return { ms: end - t0, controllerReadyMs: phases.controllerReady, agentsConnectedMs: allConnected, cpuSeconds };
    },
    /** A commit on the running farm: the clock starts as `git commit` starts; push, webhook, then the API. */
    async commit(message, yaml) {
      const marks = {};
      const sha = await farm.remote.commit(message, { "fleet.yaml": yaml }, marks);
      const res = await fetch(`${farm.apiUrl}/hooks/git`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
      const end = await waitUntilRace(hostsAt(farm.apiUrl, sha), 120_000, `${message}: all hosts at ${sha.slice(0, 8)}`);
      return { ms: end - marks.committing, fromPushMs: end - marks.pushed, commitPushMs: marks.pushed - marks.committing };
    },
    async stop() {
      await stopFarm();
      if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
    },
    shown: bundleDir ? "the RPM's bundle" : bin,
    flags,
  };
}

/** A ratio: one decimal below 10x, so that 4.8x does not print as 5x. */
const times = (x) => `${Number.isFinite(x) ? x.toFixed(x < 10 ? 1 : 0) : "-"}x`;

function waitUntilRace(p, timeoutMs, message) {
  let timer;
  return Promise.race([p, new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`timed out after ${timeoutMs} ms: ${message}`)), timeoutMs); })]).finally(() => clearTimeout(timer));
}

/**
 * The agents alone (this bench's B before the end-to-end one): the same hosts' resources in
 * hand-built catalogs, signed with the controller's Signer and put in kf-desired with its
 * ControllerBus; timed from the first put until kf-status shows all 20 applied. No git, no compile.
 */
async function agentsOnlySetup(dir, natsUrl, hosts) {
  const { Agent } = await dist("agent/agent.js");
  const { withDefaults } = await dist("agent/config.js");
  const { Signer, generateSigningKeyPem } = await dist("shared/signing.js");
  const { ControllerBus } = await distFirst("controller/nats/bus.js", "controller/bus.js");
  const { connectNats } = await dist("shared/nats.js");
  const { contentDigest } = await distFirst("controller/fleet/publication.js", "controller/publication.js");
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
  const catalog = (h, resources, revision) => {
    const content = { host: h, roles: ["lookaside"], resources, probes: [] };
    return signer.sign({ protocol: "kf.v1.catalog", ...content, revision, generation: gen, issuedAt: new Date().toISOString(), digest: contentDigest(content) });
  };
  return {
    /** Fresh roots and state, 20 new agents connected and idle (not timed). */
    async reset() {
      await Promise.all(agents.map((a) => (a.agent.stop(), a.done)));
      // The next round's agents start empty: no catalog of this round waiting for them.
      await Promise.all(hosts.map((h) => desired.delete(desiredKey(h))));
      await rm(join(dir, "k"), { recursive: true, force: true });
      round++;
      gen = 0;
      agents = await Promise.all(hosts.map(async (h) => {
        const base = join(dir, "k", h);
        await mkdir(base, { recursive: true });
        await writeFile(join(base, "catalog.pub"), signer.publicKeyPem);
        const agent = new Agent(withDefaults({ host: h, nats: { servers: [natsUrl], reconnectWaitMs: 100 }, root: join(base, "root"), sandbox: true, stateDir: join(base, "state"), identityDir: join(base, "id"), catalogKeyFile: join(base, "catalog.pub"), heartbeatSeconds: 60, probeSeconds: 3600 }));
        const done = agent.run();
        await agent.ready;
        return { agent, done };
      }));
    },
    async run(resources) {
      gen++;
      const revision = (round * 1000 + gen).toString(16).padStart(8, "0");
      const cats = hosts.map((h) => catalog(h, resources.get(h), revision));
      const t0 = performance.now();
      await Promise.all(cats.map((c) => bus.putCatalog(c)));
      await waitUntil(() => hosts.every((h) => status.get(h)?.applied?.revision === revision && status.get(h)?.applied?.generation === gen), { timeoutMs: 60_000, stepMs: 1, message: "20 agents applied" });
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
  const ansibleVersion = !WITH_ANSIBLE ? "skipped (KF_BENCH_ANSIBLE=0)" : (await run("ansible-playbook", ["--version"]).catch(() => { throw new Error("ansible-playbook not found: apt-get install -y ansible-core"); })).split("\n")[0];
  const { startNatsServer } = await distFirst("controller/nats/embedded-server.js", "controller/embedded/nats-server.js");
  const dir = await mkdtemp(join(tmpdir(), "kf-bench-ansible-"));
  const { hosts, at } = await benchFleet();
  const nats = await startNatsServer({ storeDir: join(dir, "nats") });
  const A = await ansibleSetup(join(dir, "ansible"), hosts);
  const B = await endToEndSetup(join(dir, "e2e"), hosts);
  const C = await agentsOnlySetup(dir, nats.url, hosts);
  const sides = ["ansible", "kojiFleet", "agentsOnly"];
  const res = Object.fromEntries(sides.map((s) => [s, Object.fromEntries(RUNS.map((r) => [r, []]))]));
  const extra = { fromPushMs: { "no-change": [], "one-line change": [] }, commitPushMs: [], controllerReadyMs: [], agentsConnectedMs: [], firstRunCpuSeconds: [] };
  const ratios = [], agentRatios = [];
  let counts = null;
  try {
    for (let i = 0; i < ITER; i++) {
      // Each iteration: the fleet as first committed, a comment added (no host's content moves),
      // then koji.topdir changed (one line of the koji client profile every host gets).
      const yamls = { first: at("/mnt/koji"), "no-change": at("/mnt/koji", `bench: a comment, iteration ${i + 1}`), "one-line change": at(`/mnt/koji-i${i + 1}`) };
      const resources = { first: await compiledResources(yamls.first, hosts), "one-line change": await compiledResources(yamls["one-line change"], hosts) };
      resources["no-change"] = resources.first;
      counts ??= Object.fromEntries([...MIRRORED].map((k) => [k, resources.first.get(hosts[0]).filter((r) => r.kind === k).length]));
      const it = { ansible: {}, kojiFleet: {}, agentsOnly: {} };
      const doAnsible = async () => {
        if (!WITH_ANSIBLE) return void RUNS.forEach((r) => (it.ansible[r] = NaN));
        await A.reset();
        for (const r of RUNS) { await A.prepare(resources[r]); it.ansible[r] = await A.run(); }
      };
      const doKoji = async () => {
        const f = await B.first(i + 1, yamls.first);
        it.kojiFleet.first = f.ms;
        extra.controllerReadyMs.push(f.controllerReadyMs);
        extra.agentsConnectedMs.push(f.agentsConnectedMs);
        extra.firstRunCpuSeconds.push(f.cpuSeconds);
        for (const r of ["no-change", "one-line change"]) {
          const c = await B.commit(`${r}, iteration ${i + 1}`, yamls[r]);
          it.kojiFleet[r] = c.ms;
          extra.fromPushMs[r].push(c.fromPushMs);
          extra.commitPushMs.push(c.commitPushMs);
        }
        await C.reset();
        for (const r of RUNS) it.agentsOnly[r] = await C.run(resources[r]);
      };
      const order = i % 2 === 0 ? [["ansible", doAnsible], ["koji-fleet", doKoji]] : [["koji-fleet", doKoji], ["ansible", doAnsible]];
      for (const [, f] of order) await f();
      for (const s of sides) for (const r of RUNS) res[s][r].push(it[s][r]);
      const ratio = Object.fromEntries(RUNS.map((r) => [r, it.ansible[r] / it.kojiFleet[r]]));
      ratios.push(ratio);
      agentRatios.push(Object.fromEntries(RUNS.map((r) => [r, it.ansible[r] / it.agentsOnly[r]])));
      console.log(`iteration ${i + 1} (${order.map((o) => o[0]).join(" then ")}): ` + RUNS.map((r) => `${r}: ansible ${ms(it.ansible[r])} ms, koji-fleet ${ms(it.kojiFleet[r])} ms (agents alone ${ms(it.agentsOnly[r])}), ${times(ratio[r])}`).join("; "));
    }
  } finally {
    await C.stop();
    await B.stop();
    await nats.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const summary = RUNS.map((r) => ({
    run: r, ansible: stats(res.ansible[r]), kojiFleet: stats(res.kojiFleet[r]), agentsOnly: stats(res.agentsOnly[r]),
    ratio: stats(ratios.map((x) => x[r])), agentsOnlyRatio: stats(agentRatios.map((x) => x[r])),
  }));
  console.log(`\nansible: ${N} local lookaside hosts x (${counts.directory} directories + ${counts.file} files + ${counts.symlink} symlink of the compiled catalog; Ansible ${A.tasks?.dirs ?? "-"} directories), product: ${PRODUCT}, controller: ${B.shown} (node ${B.flags.join(" ")}); ${ITER} alternating iterations; ms`);
  console.log("koji-fleet = end to end: first = controller + 20 agents started -> all 20 at the commit in GET /api/v1/hosts; the others = `git commit` started -> all 20 there");
  table(["run", "ansible median", "ansible p95", "koji-fleet median", "koji-fleet p95", "ratio median", "ratio min", "agents alone median", "agents alone p95", "ratio to agents alone"],
    summary.map((s) => [s.run, ms(s.ansible.median), ms(s.ansible.p95), ms(s.kojiFleet.median), ms(s.kojiFleet.p95), times(s.ratio.median), times(s.ratio.min), ms(s.agentsOnly.median), ms(s.agentsOnly.p95), times(s.agentsOnlyRatio.median)]));
  const fp = (xs) => `${ms(stats(xs).median)} / ${ms(stats(xs).p95)}`;
  console.log(`koji-fleet, median / p95 ms: git commit + push ${fp(extra.commitPushMs)}; push returned -> all at the commit: no-change ${fp(extra.fromPushMs["no-change"])}, one-line change ${fp(extra.fromPushMs["one-line change"])}; first run: controller ready ${fp(extra.controllerReadyMs)}, all 20 agents enrolled and connected ${fp(extra.agentsConnectedMs)}`);
  const cpuOf = (k) => extra.firstRunCpuSeconds.map((c) => c[k].toFixed(1)).join(", ");
  console.log(`first run CPU seconds per iteration: controller ${cpuOf("controller")}; bench process (20 agents, API polling) ${cpuOf("agents")}; nats-server ${cpuOf("natsServer")}`);
  console.log(`ratios per iteration: ${ratios.map((r) => RUNS.map((k) => times(r[k])).join("/")).join(", ")} (first/no-change/one-line change)`);
  console.log(`targets: change and no-change >= 100x: ${summary.slice(1).every((s) => s.ratio.min >= 100) ? "met" : "MISSED"}; first run >= 5x: ${summary[0].ratio.min >= 5 ? "met" : "MISSED"}`);
  await writeResult("ansible", { hosts: N, iterations: ITER, product: PRODUCT, dist: DIST, controller: B.shown, controllerFlags: B.flags, ansibleVersion, mirrored: counts, ansibleTasks: A.tasks, pollMs: POLL_MS, firstPollMs: FIRST_POLL_MS, raw: res, ratios, agentRatios, extra, summary });
}
