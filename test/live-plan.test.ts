// Contract: for a set of candidate revisions (and drift made by hand on the hosts), the live
// plan's predicted changes per host equal the changes the following real converge makes.
// Each candidate is committed on a side branch (as a pull request would be), planned through
// POST /api/v1/plan, then pushed to main; once every host is Ready at it, the changes each
// agent reported (the `applied` event's data: resource id → change lines) are compared with
// the plan's would-change resources. OS-level kinds only report in a sandbox ("sandbox: …")
// and pruning says "would remove X" for "removed X"; both are normalized, nothing else is.
// The agents run without the fs watch here, so drift stays until the next converge.
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestFleet, HOSTS } from "./support/fleet.js";
import { waitFor } from "./support/wait.js";
import type { FleetEvent } from "../shared/protocol.js";
import type { LivePlan } from "../controller/fleet/live-plan.js";
import { renderLivePlan } from "../controller/fleet/live-plan.js";
import { vi } from "vitest";
import { planCommand } from "../cli/commands/plan.js";

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")));
  try {
    return { code: await planCommand.run(args), out: lines.join("\n") };
  } finally {
    spy.mockRestore();
  }
}

const example = await readFile(new URL("../gitops/fleet.yaml", import.meta.url), "utf8");

type Changes = Record<string, Record<string, string[]>>;

const normalize = (lines: readonly string[]): string[] => lines.map((l) => l.replace(/^would remove /, "removed "));

function predicted(plan: LivePlan): Changes {
  const out: Changes = {};
  for (const h of plan.hosts) {
    expect({ host: h.host, status: h.status, error: h.error }).not.toMatchObject({ status: "error" });
    const real = h.changes.filter((r) => r.outcome === "would-change" && !r.changes.every((c) => c.startsWith("sandbox: ")));
    if (real.length > 0) out[h.host] = Object.fromEntries(real.map((r) => [r.id, normalize(r.changes)]));
  }
  return out;
}

describe("live plan contract", () => {
  let fleet: TestFleet;

  beforeAll(async () => {
    fleet = await TestFleet.start({ startAgents: false });
    for (const h of HOSTS) fleet.startAgent(h, { watch: false });
    await fleet.waitReady((await fleet.remote.git("rev-parse", "HEAD")).trim());
  });
  afterAll(async () => fleet?.stop());

  /** Commits the candidate locally and pushes it to a side branch only: main does not move. */
  async function propose(name: string, yaml: string): Promise<string> {
    await writeFile(join(fleet.remote.workDir, "fleet.yaml"), yaml);
    await fleet.remote.git("commit", "-q", "-am", name);
    const sha = (await fleet.remote.git("rev-parse", "HEAD")).trim();
    await fleet.remote.git("push", "-q", "origin", `HEAD:refs/heads/pr-${name}`);
    return sha;
  }

  async function plan(revision: string): Promise<LivePlan> {
    const res = await fetch(`${fleet.apiUrl}/api/v1/plan`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ revision }) });
    expect(res.status).toBe(200);
    return (await res.json()) as LivePlan;
  }

  /** Lands the candidate on main, waits for Ready, and collects what each agent changed. */
  async function land(sha: string): Promise<Changes> {
    await fleet.remote.push();
    await fleet.hook();
    await fleet.waitReady(sha);
    const out: Changes = {};
    const events = await waitFor(async () => (await fleet.api<{ events: FleetEvent[] }>("/api/v1/events?limit=500")).events);
    for (const e of events) {
      if (e.revision !== sha || e.source !== "agent" || (e.type !== "applied" && e.type !== "recovered" && e.type !== "drift-repaired")) continue;
      const changed = (e.data?.changed ?? []) as { id: string; changes: string[] }[];
      if (changed.length > 0) out[e.host!] = Object.fromEntries(changed.map((c) => [c.id, normalize(c.changes)]));
    }
    return out;
  }

  it("a builder setting edited in git plus a file edited by hand on that builder", async () => {
    const sha = await propose("maxjobs", example.replace("    settings:\n      capacity: 4.0", "    settings:\n      capacity: 4.0\n      maxjobs: 6"));
    await writeFile(join(fleet.root("cs10-koji-03"), "etc/koji.conf.d/mx-os-koji.conf"), "# edited by hand\n");
    // Drift on a host the revision does not touch: not asked, and not converged either.
    await writeFile(join(fleet.root("cs10-koji-01"), "etc/koji.conf.d/mx-os-koji.conf"), "# edited by hand\n");
    const p = await plan(sha);
    expect(p.revision).toBe(sha);
    expect(p.hosts.map((h) => h.host)).toEqual(["cs10-koji-03"]);
    expect(p.unchanged.sort()).toEqual(HOSTS.filter((h) => h !== "cs10-koji-03"));
    const want = predicted(p);
    expect(Object.keys(want["cs10-koji-03"] ?? {}).sort()).toEqual(["file:/etc/koji.conf.d/mx-os-koji.conf", "file:/etc/kojid/kojid.conf"]);
    expect(renderLivePlan(p)).toMatch(/^cs10-koji-03: \d+ resource\(s\)$/m);
    expect(await land(sha)).toEqual(want);
    // Put the untouched host back for the next case.
    await writeFile(join(fleet.root("cs10-koji-01"), "etc/koji.conf.d/mx-os-koji.conf"), await readFile(join(fleet.root("cs10-koji-03"), "etc/koji.conf.d/mx-os-koji.conf")));
  });

  const moved = (maxjobs: number) =>
    example
      .replace("    settings:\n      capacity: 4.0", `    settings:\n      capacity: 4.0\n      maxjobs: ${maxjobs}`)
      .replace("dir: /srv/cache/lookaside/pkgs", "dir: /srv/cache/lookaside/sources").replace("siteName: MxOS Koji", "siteName: MxOS Build System");

  it("a lookaside directory moved (create + prune) and several hosts drifted by hand", async () => {
    const sha = await propose("lookaside", moved(6));
    const affected = (await plan(sha)).hosts.map((h) => h.host);
    expect(affected.length).toBeGreaterThan(0);
    // Drift on every affected host: a managed directory deleted, a symlink removed.
    for (const h of affected) {
      await rm(join(fleet.root(h), "etc/koji.conf.d"), { recursive: true, force: true });
      await rm(join(fleet.root(h), "usr/local/bin/mx-os-koji"), { force: true });
    }
    const p = await plan(sha);
    const want = predicted(p);
    for (const h of affected) expect(Object.keys(want[h] ?? {})).toContain("directory:/etc/koji.conf.d");
    expect(await land(sha)).toEqual(want);
  });

  it("a host that does not answer is reported as such", async () => {
    const sha = await propose("maxjobs-8", moved(8));
    await fleet.stopAgent("cs10-koji-03");
    const res = await fetch(`${fleet.apiUrl}/api/v1/plan`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ revision: sha }) });
    const p = (await res.json()) as LivePlan;
    expect(p.hosts).toEqual([expect.objectContaining({ host: "cs10-koji-03", status: "error", error: expect.stringMatching(/^no answer from host/) })]);
    expect(renderLivePlan(p)).toMatch(/^cs10-koji-03: no answer from host/m);
    // The CLI: readable per host, and the same data as JSON for a pull request comment.
    const text = await cli(["--live", sha, "--api", fleet.apiUrl]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^live plan of [0-9a-f]{12}: 0 host\(s\) would change/);
    expect(text.out).toMatch(/^cs10-koji-03: no answer from host/m);
    const json = await cli(["--live", sha, "--api", fleet.apiUrl, "--json"]);
    expect(JSON.parse(json.out)).toMatchObject({ revision: sha, hosts: [{ host: "cs10-koji-03", status: "error" }] });
    fleet.startAgent("cs10-koji-03", { watch: false });
    await waitFor(async () => (await cli(["--live", sha, "--api", fleet.apiUrl])).out.match(/^cs10-koji-03: \d+ resource\(s\)$/m) !== null, { timeoutMs: 20_000, message: "the restarted agent answers" });
    const withChanges = await cli(["--live", sha, "--api", fleet.apiUrl]);
    expect(withChanges.out).toMatch(/^  ~ file file:\/etc\/kojid\/kojid.conf$/m);
    expect((await cli(["--live", "no-such-revision", "--api", fleet.apiUrl])).code).toBe(3);
  });
});
