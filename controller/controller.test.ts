// The controller's lifecycle on a real nats-server and git repository: the stages it goes
// through, the processes a commit costs it, and a stop() that comes while start() is still under way.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Controller } from "./controller.js";
import { canonicalJson } from "../shared/canonical.js";
import { withDefaults } from "./daemon-config.js";
import { startNats, type NatsHandle } from "../test/support/nats.js";
import { createRemote, type Remote } from "../test/support/git.js";
import { makeTmpDir, removeDir } from "../test/support/tmp.js";
import { freePort } from "../test/support/net.js";
import { waitFor } from "../test/support/wait.js";
import { logChildProcesses } from "../test/support/child-processes.js";
import { commandLine, descendants, workingDirectory } from "../test/support/process-tree.js";
import { fleetMetrics, REVISION_STAGES } from "./fleet/metrics.js";

describe("Controller lifecycle", () => {
  let nats: NatsHandle;
  let remote: Remote;
  let dir: string;
  beforeAll(async () => {
    nats = await startNats();
    remote = await createRemote();
    await remote.commitAll("initial fleet", { "fleet.yaml": await readFile(new URL("../gitops/fleet.yaml", import.meta.url), "utf8") });
    dir = await makeTmpDir("kf-controller-");
  });
  afterAll(async () => {
    await nats?.stop();
    await remote?.cleanup();
    await removeDir(dir);
  });

  const controller = (port: number) =>
    new Controller(withDefaults({ git: { url: remote.bareDir, pollSeconds: 3600 }, nats: { servers: [nats.url] }, http: { host: "127.0.0.1", port }, stateDir: join(dir, "state") }));

  it("initialized → running (ready after its first reconcile) → stopped; a second stop changes nothing", async () => {
    const c = controller(0);
    expect(c.state).toBe("initialized");
    const url = await c.start();
    expect({ state: c.state, readiness: c.readiness(), hosts: c.fleet.intended.size }).toEqual({ state: "running", readiness: { ready: true, reason: "ok" }, hosts: 5 });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await c.stop();
    expect({ state: c.state, readiness: c.readiness() }).toEqual({ state: "stopped", readiness: { ready: false, reason: "controller is stopped" } });
    await c.stop();
    expect(c.state).toBe("stopped");
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it("a commit costs the controller one child process, git fetch; stop leaves no git process behind; each stage of a commit is timed once", async () => {
    const stateDir = join(dir, "state-per-commit");
    const c = new Controller(withDefaults({ git: { url: remote.bareDir, pollSeconds: 3600 }, nats: { servers: [nats.url] }, http: { host: "127.0.0.1", port: 0, allowUnauthenticatedLoopback: true }, stateDir }));
    const gitChildren = () => descendants(process.pid).filter((pid) => commandLine(pid).startsWith("git ") && workingDirectory(pid).startsWith(stateDir));
    const url = await c.start(); // the clone, and the object reader from the first read on
    try {
      expect(gitChildren()).toHaveLength(1);
      const stageCounts = () => Object.fromEntries(REVISION_STAGES.map((stage) => [stage, fleetMetrics(c.fleet).stages.get(stage)!.value().count]));
      const seed = await readFile(new URL("../gitops/fleet.yaml", import.meta.url), "utf8");
      for (let i = 1; i <= 2; i++) {
        const before = stageCounts();
        const sha = await remote.commitAll(`topdir r${i}`, { "fleet.yaml": seed.replace("topdir: /mnt/koji", `topdir: /mnt/koji-r${i}`) });
        const log = logChildProcesses();
        try {
          await c.sync();
        } finally {
          log.stop();
        }
        expect(c.fleet.lastGood?.sha).toBe(sha);
        expect(log.started).toEqual([expect.stringMatching(/^git fetch /)]);
        expect(stageCounts()).toEqual({ fetch: before.fetch! + 1, load: before.load! + 1, compile: before.compile! + 1 });
      }
      // A sync that brings nothing is a fetch alone; a rejected commit is loaded, never compiled.
      let before = stageCounts();
      await c.sync();
      expect(stageCounts()).toEqual({ ...before, fetch: before.fetch! + 1 });
      // A pin recompiles the revision in force: no new revision, nothing timed.
      before = stageCounts();
      const pinned = await fetch(`${url}/api/v1/hosts/cs10-koji-03/pin`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ revision: c.fleet.lastGood!.sha }) });
      expect(pinned.status).toBe(202);
      expect((await fetch(`${url}/api/v1/hosts/cs10-koji-03/pin`, { method: "DELETE", headers: { "content-type": "application/json" } })).status).toBe(202);
      expect(stageCounts()).toEqual(before);
      await remote.commitAll("a typo", { "fleet.yaml": "apiVersion: koji-fleet/v1\nhosts: [\n" });
      await c.sync();
      expect(c.fleet.rejected).not.toBeNull();
      expect(stageCounts()).toEqual({ fetch: before.fetch! + 1, load: before.load! + 1, compile: before.compile });
      await remote.commitAll("the typo mended", { "fleet.yaml": seed }); // for the tests after this one
    } finally {
      await c.stop();
    }
    expect(gitChildren()).toEqual([]);
  });

  it("restarted, it holds the catalogs in force as a compile does (equal resources one object) and puts none again", async () => {
    const stateDir = join(dir, "state-restart");
    const make = () => new Controller(withDefaults({ git: { url: remote.bareDir, pollSeconds: 3600 }, nats: { servers: [nats.url] }, http: { host: "127.0.0.1", port: 0 }, stateDir }));
    const first = make();
    await first.start();
    // No agent reports, so only the first wave is published (the database, NFS and lookaside
    // hosts): enough to share resources. Counted at head's revision, since kf-desired holds the
    // earlier tests' catalogs from the start.
    const atHead = () => [...first.fleet.desired.values()].filter((c) => c.revision === first.fleet.lastGood?.sha).length;
    await waitFor(() => atHead() >= 3, { message: "first wave published" });
    await first.stop();
    const generations = new Map([...first.fleet.desired].map(([h, c]) => [h, c.generation]));

    const again = make();
    await again.start();
    try {
      const inForce = [...again.fleet.desired.values()];
      expect(new Map(inForce.map((c) => [c.host, c.generation]))).toEqual(generations);
      let equalPairs = 0;
      for (const [i, a] of inForce.entries()) {
        for (const b of inForce.slice(i + 1)) {
          for (const r of a.resources) {
            const same = b.resources.find((x) => x.id === r.id && canonicalJson(x) === canonicalJson(r));
            if (!same) continue;
            equalPairs++;
            expect(same, `${r.id} of ${a.host} and ${b.host}`).toBe(r);
          }
        }
      }
      expect(equalPairs).toBeGreaterThan(0);
    } finally {
      await again.stop();
    }
  });

  it("a stop while start() is still connecting ends the start: nothing is left serving", async () => {
    const port = await freePort();
    const c = controller(port);
    const started = c.start();
    await c.stop();
    await expect(started).rejects.toThrow(/stopped while it started/);
    expect(c.state).toBe("stopped");
    await new Promise((r) => setTimeout(r, 500));
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
