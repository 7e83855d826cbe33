// Rollouts across hosts with real processes: dependency gates, batches that halt, resume.
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestFleet, HOSTS } from "./support/fleet.js";
import { waitFor } from "./support/wait.js";
import type { HostView } from "../shared/api/hosts.js";
import type { FleetEvent } from "../shared/protocol.js";

const example = await readFile(new URL("../gitops/fleet.yaml", import.meta.url), "utf8");
const BUILDERS = ["cs10-koji-03", "cs10-koji-05", "cs10-koji-06"];
const threeBuilders = example.replace(
  "  - name: cs10-koji-04",
  [5, 6].map((n) => `  - name: cs10-koji-0${n}\n    address: 192.168.122.1${n}\n    roles: [builder]\n`).join("") + "  - name: cs10-koji-04",
);
const ALL = [...HOSTS, "cs10-koji-05", "cs10-koji-06"];

interface RolloutView {
  revision: string;
  phase: string;
  halt: { host: string; message: string } | null;
  published: Record<string, string>;
}

describe("rollouts", () => {
  let fleet: TestFleet;
  let head: string;
  let yaml = threeBuilders;

  beforeAll(async () => {
    fleet = await TestFleet.start({ fleetYaml: threeBuilders, startAgents: false });
    await fleet.issueTokens(["cs10-koji-05", "cs10-koji-06"]);
    for (const h of ALL) fleet.startAgent(h);
    head = (await fleet.remote.git("rev-parse", "HEAD")).trim();
    await fleet.waitReady(head, ALL, 30_000);
  });
  afterAll(async () => fleet?.stop());

  const view = async (host: string) => (await fleet.hosts()).find((h) => h.host === host)!;
  const post = (path: string) => fetch(`${fleet.apiUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" } });
  const breakFile = async (host: string, path: string) => {
    await rm(join(fleet.root(host), path), { force: true });
    await mkdir(join(fleet.root(host), path), { recursive: true }); // a directory where a file must go
  };

  it("the hub waits for a failing database, with who and why, and gets its catalog once the database is healthy", async () => {
    await breakFile("cs10-koji-01", "etc/koji.conf.d/mx-os-koji.conf");
    fleet.agents.get("cs10-koji-01")!.agent.requestConverge();
    await waitFor(async () => (await view("cs10-koji-01")).phase === "Failed", { message: "database Failed" });

    yaml = yaml.replace("    checkClientIP: false", "    checkClientIP: false\n    maxConnectionsPerChild: 50");
    head = await fleet.push("hub: recycle httpd children sooner", { "fleet.yaml": yaml });
    const hub: HostView = await waitFor(async () => ((await view("cs10-koji-00")).phase === "Blocked" ? view("cs10-koji-00") : false), { message: "hub Blocked" });
    expect(hub.conditions[0]).toMatchObject({ reason: "WaitingForDependency" });
    expect(hub.conditions[0]?.message).toMatch(/^waiting for database on cs10-koji-01 \(Failed: file:\/etc\/koji\.conf\.d\/mx-os-koji\.conf: .*since /);
    expect(hub.revision).not.toBe(head);

    await rm(join(fleet.root("cs10-koji-01"), "etc/koji.conf.d/mx-os-koji.conf"), { recursive: true });
    fleet.agents.get("cs10-koji-01")!.agent.requestConverge();
    await fleet.waitReady(head, ALL);
    expect(fleet.controller.fleet.desired.get("cs10-koji-00")?.revision).toBe(head);
  });

  it("a builder that fails its new catalog halts the batch; the other builders keep the old revision until a person resumes", async () => {
    const generations = new Map(BUILDERS.map((b) => [b, fleet.controller.fleet.desired.get(b)!.generation]));
    await breakFile("cs10-koji-03", "etc/kojid/kojid.conf");
    // Failing already, before the push: its new catalog's failure must still halt (its Ready
    // condition keeps the older since).
    fleet.agents.get("cs10-koji-03")!.agent.requestConverge();
    await waitFor(async () => (await view("cs10-koji-03")).phase === "Failed", { message: "builder 03 Failed before the push" });
    yaml = yaml.replace("maxjobs: 10", "maxjobs: 4");
    head = await fleet.push("builders: 4 jobs", { "fleet.yaml": yaml });

    const halted = await waitFor(async () => {
      const r = await fleet.api<RolloutView>("/api/v1/rollouts/current");
      return r.revision === head && r.phase === "Halted" ? r : false;
    }, { message: "rollout halted", timeoutMs: 10_000 });
    expect(halted.halt?.host).toBe("cs10-koji-03");
    expect(halted.halt?.message).toMatch(/^cs10-koji-03 failed after its new catalog: ResourceFailed: file:\/etc\/kojid\/kojid\.conf: .*is a directory/);
    expect(Object.keys(halted.published)).toEqual(["cs10-koji-03"]);
    for (const b of ["cs10-koji-05", "cs10-koji-06"]) {
      const v = await view(b);
      expect({ b, atNewRevision: v.revision === head, generation: fleet.controller.fleet.desired.get(b)!.generation }).toEqual({ b, atNewRevision: false, generation: generations.get(b) });
      expect(await readFile(join(fleet.root(b), "etc/kojid/kojid.conf"), "utf8")).toMatch(/^maxjobs = 10$/m);
    }
    const events = (await fleet.api<{ events: FleetEvent[] }>("/api/v1/events?type=rollout-halted")).events;
    expect(events.at(-1)?.host).toBe("cs10-koji-03");

    await rm(join(fleet.root("cs10-koji-03"), "etc/kojid/kojid.conf"), { recursive: true });
    fleet.agents.get("cs10-koji-03")!.agent.requestConverge();
    await waitFor(async () => (await view("cs10-koji-03")).phase === "Ready", { message: "builder 03 fixed" });
    expect((await fleet.api<RolloutView>("/api/v1/rollouts/current")).phase).toBe("Halted");
    expect((await post("/api/v1/rollouts/current/resume")).status).toBe(202);
    await fleet.waitReady(head, ALL);
    for (const b of BUILDERS) expect(await readFile(join(fleet.root(b), "etc/kojid/kojid.conf"), "utf8")).toMatch(/^maxjobs = 4$/m);
    expect((await fleet.api<RolloutView>("/api/v1/rollouts/current")).phase).toBe("Complete");
  });

  it("resuming a rollout that is not halted is a 409 with the reason", async () => {
    const res = await post("/api/v1/rollouts/current/resume");
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toEqual({ code: "KF_ERR_CONFLICT", message: "cannot resume a rollout that is Complete" });
  });
});
