// The fleet loop end to end: git push → controller → NATS → agents converge → status back.
import { readFile, writeFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestFleet, HOSTS, snapshot, changedPaths } from "./support/fleet.js";
import { waitFor } from "./support/wait.js";
import type { FleetEvent } from "../shared/protocol.js";

const example = await readFile(new URL("../gitops/fleet.yaml", import.meta.url), "utf8");
const withMaxjobs = (n: number) => example.replace("    settings:\n      capacity: 4.0", `    settings:\n      capacity: 4.0\n      maxjobs: ${n}`);

interface FleetApi {
  revision: { sha: string } | null;
  validation: { state: string; errors: { text: string }[]; revision: { sha: string } };
}

describe("the fleet loop", () => {
  let fleet: TestFleet;
  let head: string;

  beforeAll(async () => {
    fleet = await TestFleet.start();
    head = (await fleet.remote.git("rev-parse", "HEAD")).trim();
  });
  afterAll(async () => fleet?.stop());

  it("converges the example fleet: every host Ready at the pushed revision", async () => {
    const views = await fleet.waitReady(head);
    expect(views.map((v) => v.host)).toEqual([...HOSTS]);
    const kojid = await readFile(join(fleet.root("cs10-koji-03"), "etc/kojid/kojid.conf"), "utf8");
    expect(kojid).toMatch(/^server = https:\/\/cs10-koji-00\.mx-os\/kojihub$/m);
    // …and every host can resolve that name: the farm's block in its /etc/hosts (a file kind, applied in sandbox).
    // Each host: itself and the hosts it connects to by name (docs/resources/hosts-entries.md).
    const line = (n: number) => `192.168.122.1${n} cs10-koji-0${n}.mx-os cs10-koji-0${n}\n`;
    const peers: Record<string, number[]> = { "cs10-koji-00": [0, 1, 2], "cs10-koji-01": [0, 1], "cs10-koji-02": [0, 2], "cs10-koji-03": [0, 2, 3, 4], "cs10-koji-04": [0, 4] };
    for (const h of HOSTS) expect(await readFile(join(fleet.root(h), "etc/hosts"), "utf8")).toContain(`# BEGIN koji-fleet\n${peers[h]!.map(line).join("")}# END koji-fleet\n`);
    const fleetView = await fleet.api<FleetApi>("/api/v1/fleet");
    expect(fleetView.revision?.sha).toBe(head);
    expect(fleetView.validation.state).toBe("valid");
  });

  it("a pushed change to one host's setting changes exactly that host's files", async () => {
    const before = new Map(await Promise.all(HOSTS.map(async (h) => [h, await snapshot(fleet.root(h))] as const)));
    head = await fleet.push("builder: maxjobs 6", { "fleet.yaml": withMaxjobs(6) });
    await fleet.waitReady(head);
    for (const h of HOSTS) {
      const diff = changedPaths(before.get(h)!, await snapshot(fleet.root(h)));
      expect({ host: h, diff }).toEqual({ host: h, diff: h === "cs10-koji-03" ? ["/etc/kojid/kojid.conf"] : [] });
    }
    expect(await readFile(join(fleet.root("cs10-koji-03"), "etc/kojid/kojid.conf"), "utf8")).toMatch(/^maxjobs = 6$/m);
  });

  const badCommits: [string, string, RegExp][] = [
    ["schema error", example.replace("maxjobs: 10", "maxjobs: ten"), /^fleet\.yaml:\d+:\d+: .*maxjobs.*integer/],
    ["unknown role", example.replace("roles: [nfs]", "roles: [nfs, mailserver]"), /^fleet\.yaml:\d+:\d+: hosts\[\d+\] cs10-koji-\d+: unknown role 'mailserver'/],
    ["duplicate host", example.replace("  - name: cs10-koji-04", "  - name: cs10-koji-03"), /^fleet\.yaml:\d+:\d+: .*duplicate host.*cs10-koji-03/i],
    ["topdir /etc", example.replace("topdir: /mnt/koji", "topdir: /etc"), /^fleet\.yaml:12:11: \/koji\/topdir: \/etc is the system directory \/etc;/],
  ];

  it.each(badCommits)("an invalid commit (%s) leaves every agent on the previous revision, error visible with file:line", async (_name, yaml, expected) => {
    const trees = await Promise.all(HOSTS.map((h) => snapshot(fleet.root(h))));
    const bad = await fleet.push("a bad change", { "fleet.yaml": yaml });
    const view = await waitFor(async () => {
      const f = await fleet.api<FleetApi>("/api/v1/fleet");
      return f.validation.state === "invalid" && f.validation.revision.sha === bad ? f : false;
    });
    expect(view.revision?.sha).toBe(head);
    expect(view.validation.errors[0]?.text).toMatch(expected);
    const events = await fleet.api<{ events: FleetEvent[] }>("/api/v1/events?type=revision-rejected");
    expect(events.events.some((e) => e.revision === bad && /fleet\.yaml:\d+:\d+/.test(e.message))).toBe(true);
    const revisions = await fleet.api<{ inForce: string; revisions: { revision: { sha: string }; state: string; errors: string[] }[] }>("/api/v1/revisions");
    expect(revisions.inForce).toBe(head);
    expect(revisions.revisions[0]).toMatchObject({ revision: { sha: bad }, state: "rejected" });
    expect(revisions.revisions[0]?.errors[0]).toMatch(expected);
    expect(revisions.revisions.find((r) => r.revision.sha === head)?.state).toBe("accepted");
    for (const v of await fleet.hosts()) expect({ host: v.host, revision: v.revision, phase: v.phase }).toEqual({ host: v.host, revision: head, phase: "Ready" });
    for (const [i, h] of HOSTS.entries()) expect(changedPaths(trees[i]!, await snapshot(fleet.root(h)))).toEqual([]);
    head = await fleet.push("revert the bad change", { "fleet.yaml": withMaxjobs(6) });
    await fleet.waitReady(head);
  });

  it("files named by koji.content.include are read from the pushed revision: accepted with content, an error in one rejected at its file:line:col", async () => {
    const withInclude = withMaxjobs(6).replace("\n  content:\n", "\n  content:\n    include: [koji/*.yaml]\n");
    const good = await fleet.push("Koji content in a file of its own", { "fleet.yaml": withInclude, "koji/extra.yaml": "tags:\n  mxos-10-extras: { arches: [x86_64] }\n" });
    await fleet.waitReady(good);
    const bad = await fleet.push("a typo in the included file", { "koji/extra.yaml": "tags:\n  mxos-10-extras: { arches: x86_64 }\n" });
    const view = await waitFor(async () => {
      const f = await fleet.api<FleetApi>("/api/v1/fleet");
      return f.validation.state === "invalid" && f.validation.revision.sha === bad ? f : false;
    });
    expect(view.revision?.sha).toBe(good);
    expect(view.validation.errors[0]?.text).toBe("koji/extra.yaml:2:29: /tags/mxos-10-extras/arches must be array");
    head = await fleet.push("back to one file", { "fleet.yaml": withMaxjobs(6), "koji/extra.yaml": null });
    await fleet.waitReady(head);
  });

  it("a restarted agent with unchanged desired state makes zero changes", async () => {
    await fleet.stopAgent("cs10-koji-00");
    const agent = fleet.startAgent("cs10-koji-00");
    await waitFor(() => agent.currentStatus().lastConverge !== null, { message: "a converge after restart" });
    const s = agent.currentStatus();
    expect(s.lastConverge?.changed).toBe(0);
    expect(s.resources.filter((r) => r.outcome === "changed" || r.outcome === "pruned" || r.outcome === "failed")).toEqual([]);
    // Files really apply in sandbox; OS kinds only report there (would-change).
    expect(s.resources.filter((r) => r.kind === "file" && r.outcome === "unchanged").length).toBeGreaterThan(3);
  });

  it("a file edited by hand and a deleted directory are restored on the next converge", async () => {
    const host = "cs10-koji-00";
    const hubConf = join(fleet.root(host), "etc/koji-hub/hub.conf");
    const original = await readFile(hubConf, "utf8");
    await writeFile(hubConf, "[hub]\nDBHost = elsewhere\n");
    await rm(join(fleet.root(host), "etc/kojira"), { recursive: true });
    fleet.agents.get(host)!.agent.requestConverge();
    await waitFor(async () => (await readFile(hubConf, "utf8").catch(() => "")) === original, { message: "hub.conf restored" });
    await waitFor(async () => (await readFile(join(fleet.root(host), "etc/kojira/kojira.conf"), "utf8").catch(() => null)) !== null, { message: "kojira.conf restored" });
    const events = await waitFor(async () => {
      const e = (await fleet.api<{ events: FleetEvent[] }>(`/api/v1/events?host=${host}&type=drift-repaired`)).events;
      return e.length > 0 ? e : false;
    });
    expect(events.at(-1)?.message).toContain("hub.conf");
  });

  it("an agent that was offline while two commits landed converges straight to the latest", async () => {
    const host = "cs10-koji-03";
    await fleet.stopAgent(host);
    const first = await fleet.push("maxjobs 7", { "fleet.yaml": withMaxjobs(7) });
    await waitFor(() => fleet.controller.fleet.desired.get(host)?.revision === first);
    const generationOfFirst = fleet.controller.fleet.desired.get(host)!.generation;
    head = await fleet.push("maxjobs 8", { "fleet.yaml": withMaxjobs(8) });
    await waitFor(() => fleet.controller.fleet.desired.get(host)?.revision === head);
    const agent = fleet.startAgent(host);
    await fleet.waitReady(head);
    expect(agent.currentStatus().applied?.generation).toBe(generationOfFirst + 1);
    expect(await readFile(join(fleet.root(host), "etc/kojid/kojid.conf"), "utf8")).toMatch(/^maxjobs = 8$/m);
    const applied = (await fleet.api<{ events: FleetEvent[] }>(`/api/v1/events?host=${host}&type=applied`)).events;
    expect(applied.some((e) => e.revision === first)).toBe(false);
  });
});

describe("an agent started while NATS is down", () => {
  let fleet: TestFleet;
  afterAll(async () => fleet?.stop());

  it("converges once NATS comes up", async () => {
    fleet = await TestFleet.start({ startAgents: false });
    const head = (await fleet.remote.git("rev-parse", "HEAD")).trim();
    // The NFS host waits for nobody: its catalog goes out in the first rollout's first step.
    await waitFor(() => fleet.controller.fleet.desired.has("cs10-koji-02"), { message: "the NFS host's catalog published" });
    await fleet.nats.stop();
    const agent = fleet.startAgent("cs10-koji-02");
    await new Promise((r) => setTimeout(r, 500));
    expect(agent.currentStatus().lastConverge).toBeNull();
    await fleet.nats.start();
    await fleet.waitReady(head, ["cs10-koji-02"]);
    // The export itself is an OS resource (reported in sandbox); the tree it exports is written.
    expect((await snapshot(fleet.root("cs10-koji-02"))).has("/mnt/koji/repos")).toBe(true);
  });
});
