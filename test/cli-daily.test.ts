// The daily commands (status, hosts, events, rollout) as a user runs them: the real binary
// (bin/koji-fleet.js over the built dist/, so `npm run build` first) against a real fleet.
import { execFile, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ajv, type ValidateFunction } from "ajv";
import { TestFleet } from "./support/fleet.js";
import { waitFor } from "./support/wait.js";
import { useTmpDirs } from "./support/tmp.js";
import { parsePromText } from "./support/prom-text.js";
import type { HostDetail } from "../shared/api/hosts.js";

const BIN = fileURLToPath(new URL("../bin/koji-fleet.js", import.meta.url));
const tmp = useTmpDirs();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "", KOJI_FLEET_API: "", KOJI_FLEET_TOKEN_FILE: "" } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

// Each test runs the binary several times (about a second each, more on a loaded machine).
describe("koji-fleet status, hosts, events, rollout", { timeout: 90_000 }, () => {
  let fleet: TestFleet;
  let sha = "";
  let schema: (name: string) => ValidateFunction;
  const api = () => ["--api", fleet.apiUrl];
  const valid = (name: string, body: unknown) => {
    const v = schema(name);
    expect(v(body), `${name}: ${JSON.stringify(v.errors)}`).toBe(true);
  };

  beforeAll(async () => {
    fleet = await TestFleet.start();
    sha = await waitFor(async () => fleet.controller.fleet.lastGood?.sha ?? false, { timeoutMs: 30_000, message: "first revision accepted" });
    await fleet.waitReady(sha);
    // The OpenAPI document's schemas, as a client would use them.
    const doc = await fleet.api<{ components: { schemas: object } }>("/api/v1/openapi.json");
    const ajv = new Ajv({ strict: true, allErrors: true });
    ajv.addSchema({ $id: "openapi", definitions: JSON.parse(JSON.stringify(doc.components.schemas).replace(/"#\/components\/schemas\//g, '"openapi#/definitions/')) });
    schema = (name) => ajv.getSchema(`openapi#/definitions/${name}`)!;
  }, 90_000);
  afterAll(async () => fleet?.stop());

  it.each(["status", "hosts", "events", "rollout"])("%s --help: usage with the exit codes, exit 0", async (cmd) => {
    const r = await run([cmd, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^usage: koji-fleet ${cmd}`));
    expect(r.stdout).toContain("--api URL");
    expect(r.stdout).toMatch(/exit codes: 0 ok, 2 usage .* 3 not found .* 4 controller not reachable/s);
  });

  it("status: the fleet's revision and validation on top, one row per host; no colours off a TTY", async () => {
    const r = await run(["status", ...api()]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("\x1b[");
    expect(r.stdout).toMatch(new RegExp(`^revision: +${sha.slice(0, 12)} initial fleet`, "m"));
    expect(r.stdout).toMatch(/^validation: +valid$/m);
    expect(r.stdout).toMatch(/^hosts: +5 total, 5 ready/m);
    expect(r.stdout).toMatch(/^HOST +ROLES +PHASE +DESIRED +APPLIED +HELD +REASON$/m);
    for (const h of ["cs10-koji-00", "cs10-koji-01", "cs10-koji-02", "cs10-koji-03", "cs10-koji-04"]) {
      expect(r.stdout).toMatch(new RegExp(`^${h} +\\S+ +Ready +${sha.slice(0, 12)} +${sha.slice(0, 12)} +-$`, "m"));
    }
  });

  it("status --json: the fleet and the hosts, valid against the OpenAPI schemas", async () => {
    const r = await run(["status", "--json", ...api()]);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as { fleet: unknown; hosts: unknown[] };
    valid("Fleet", body.fleet);
    valid("HostList", { hosts: body.hosts });
    expect(body.hosts).toHaveLength(5);
  });

  it("hosts: a list; hosts HOST: the detail; both with --json valid against the schemas", async () => {
    const list = await run(["hosts", ...api()]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^HOST +ROLES +PHASE +DESIRED +APPLIED +HELD +AGENT +LAST SEEN$/m);
    expect(list.stdout.trim().split("\n")).toHaveLength(6);
    valid("HostList", JSON.parse((await run(["hosts", "--json", ...api()])).stdout));

    const one = await run(["hosts", "cs10-koji-01", ...api()]);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^host: +cs10-koji-01$/m);
    expect(one.stdout).toMatch(/^phase: +Ready$/m);
    expect(one.stdout).toMatch(/^conditions:\n {2}Ready True/m);
    expect(one.stdout).toContain("no failing resources or probes");
    const detail = await run(["hosts", "cs10-koji-01", "--json", ...api()]);
    expect(detail.code).toBe(0);
    const h = JSON.parse(detail.stdout) as HostDetail;
    valid("HostDetail", h);
    // The controller keeps only counts of the results: the detail reads them whole from kf-status.
    expect(h.results.map((r) => r.id).sort()).toEqual(h.catalog!.resources.map((r) => r.id).sort());
    expect(h.resources.total).toBe(h.results.length);
    expect(h.probes.map((p) => p.id).sort()).toEqual([...h.catalog!.probes].sort());
    expect(h.probes.length).toBeGreaterThan(0);
    expect(one.stdout).toContain(`(${h.probes.length} probe(s))`);
  });

  it("hosts: an unknown host exits 3 (KF_ERR_NOT_FOUND), an invalid name 2", async () => {
    const r = await run(["hosts", "cs10-koji-99", ...api()]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("KF_ERR_NOT_FOUND: host cs10-koji-99 is not in the fleet");
    expect(r.stdout).toBe("");
    expect((await run(["hosts", "Not_A_Host", ...api()])).code).toBe(2);
  });

  it("events: text lines filtered by type; --json valid against the schema", async () => {
    const r = await run(["events", "--type", "revision-accepted", ...api()]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(1);
    for (const l of lines) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\S+ +(info|warning|error) +- +revision-accepted +/);
    const json = await run(["events", "--json", "--host", "cs10-koji-02", ...api()]);
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout) as { events: { host?: string }[] };
    valid("EventList", body);
    expect(body.events.length).toBeGreaterThan(0);
    expect(body.events.every((e) => e.host === "cs10-koji-02")).toBe(true);
  });

  it("events --follow prints new events as they come, until interrupted (exit 0)", async () => {
    const child = spawn(process.execPath, [BIN, "events", "--follow", "--json", "--type", "revision-accepted", "--limit", "1", ...api()], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await waitFor(() => out.split("\n").filter(Boolean).length >= 1, { timeoutMs: 10_000, message: "the latest event printed" });
      const next = await fleet.push("a commit while following", { "README.md": "followed\n" });
      const line = await waitFor(
        () => out.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { revision?: string; type: string }).find((e) => e.revision === next) ?? false,
        { timeoutMs: 15_000, message: "the new revision's event printed" },
      );
      valid("Event", line);
      expect(line.type).toBe("revision-accepted");
      sha = next;
    } finally {
      child.kill("SIGINT");
    }
    expect(await exited).toBe(0);
  });

  it("rollout status: the current rollout, --json valid against the schema", async () => {
    await fleet.waitReady(sha);
    const r = await run(["rollout", "status", ...api()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^revision: +${sha.slice(0, 12)}$`, "m"));
    expect(r.stdout).toMatch(/^phase: +Complete$/m);
    const json = await run(["rollout", "status", "--json", ...api()]);
    expect(json.code).toBe(0);
    const view = JSON.parse(json.stdout) as { startedAt: string; completedAt: string };
    valid("Rollout", view);
    expect(Date.parse(view.completedAt)).toBeGreaterThanOrEqual(Date.parse(view.startedAt));
    expect(r.stdout).toContain(`completed: ${view.completedAt} (in `);
  });

  it("rollout resume/abort of a finished rollout: exit 12 (KF_ERR_CONFLICT)", async () => {
    for (const verb of ["resume", "abort"]) {
      const r = await run(["rollout", verb, ...api()]);
      expect(r.code, r.stderr).toBe(12);
      expect(r.stderr).toMatch(new RegExp(`KF_ERR_CONFLICT: cannot ${verb} a rollout that is Complete`));
    }
  });

  it("usage errors exit 2; an unreachable controller 4; a wrong token 9", async () => {
    const usage = await Promise.all([run(["rollout", "frobnicate", ...api()]), run(["events", "--limit", "0", ...api()]), run(["status", "--bogus", ...api()])]);
    expect(usage.map((r) => r.code)).toEqual([2, 2, 2]);
    const down = await run(["status", "--api", "http://127.0.0.1:9"]);
    expect(down.code).toBe(4);
    expect(down.stderr).toContain("KF_ERR_NOT_READY: cannot reach the controller at http://127.0.0.1:9");
    const tokenFile = join(await tmp(), "token");
    await writeFile(tokenFile, "not-a-valid-token\n");
    const denied = await run(["hosts", "--token", tokenFile, ...api()]);
    expect(denied.code).toBe(9);
    expect(denied.stderr).toContain("KF_ERR_UNAUTHORIZED");
  });

  it("token create: refuses a host not in the fleet (exit 3), creates one for a host in it", async () => {
    const dir = await tmp();
    const config = join(dir, "controller.yaml");
    await writeFile(config, `git:\n  url: ${dir}/repo\nnats:\n  servers: [nats://127.0.0.1:4222]\nstateDir: ${dir}/state\n`);
    const refused = await run(["token", "create", "nosuchhost", "--config", config, ...api()]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`KF_ERR_NOT_FOUND: nosuchhost is not in the fleet (${fleet.apiUrl}): add it to fleet.yaml and push`);
    expect(refused.stdout).toBe("");
    const made = await run(["token", "create", "cs10-koji-02", "--config", config, ...api()]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout.trim()).toMatch(/^\S{20,}$/);
    const down = await run(["token", "create", "cs10-koji-02", "--config", config, "--api", "http://127.0.0.1:9"]);
    expect(down.code).toBe(4);
    expect(down.stderr).toContain("KF_ERR_NOT_READY: cannot check that cs10-koji-02 is in the fleet: cannot reach the controller at http://127.0.0.1:9");
  });

  it("GET /metrics on the live fleet: every series, hosts by phase, NATS up", async () => {
    const res = await fetch(`${fleet.apiUrl}/metrics`);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const f = parsePromText(await res.text());
    expect([...f.keys()].sort()).toEqual([
      "koji_fleet_commit_to_applied_seconds", "koji_fleet_commit_to_healthy_seconds", "koji_fleet_converge_duration_seconds", "koji_fleet_git_sync_age_seconds",
      "koji_fleet_git_sync_failures_total", "koji_fleet_hosts", "koji_fleet_nats_connected", "koji_fleet_probe_failures", "koji_fleet_revision_stage_seconds",
      "koji_fleet_rollout_duration_seconds", "koji_fleet_rollout_phase",
    ]);
    const sample = (name: string, labels: Record<string, string> = {}) => [...f.values()].flatMap((x) => x.samples).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    expect(sample("koji_fleet_hosts", { phase: "Ready" })?.value).toBe(5);
    expect(sample("koji_fleet_nats_connected")?.value).toBe(1);
    expect(sample("koji_fleet_git_sync_failures_total")?.value).toBe(0);
    expect(sample("koji_fleet_git_sync_age_seconds")?.value).toBeGreaterThanOrEqual(0);
    expect(f.get("koji_fleet_converge_duration_seconds")!.samples).toHaveLength(5);
    expect(sample("koji_fleet_rollout_phase", { phase: "Complete" })?.value).toBe(1);
    // The farm's first commit went through every stage, and its rollout completed.
    for (const stage of ["fetch", "load", "compile"]) expect(sample("koji_fleet_revision_stage_seconds_count", { stage })?.value, stage).toBeGreaterThanOrEqual(1);
    expect(sample("koji_fleet_rollout_duration_seconds_count")?.value).toBeGreaterThanOrEqual(1);
  });

  it("status --check: 0 while all is well; 1 (KF_ERR_CONFIG_INVALID) once the newest commit is rejected", async () => {
    const fine = await run(["status", "--check", ...api()]);
    expect(fine.code, fine.stderr).toBe(0);
    const bad = await fleet.push("a typo", { "fleet.yaml": "apiVersion: koji-fleet/v1\nhosts: [\n" });
    await waitFor(async () => (await fleet.api<{ validation: { state: string; revision?: { sha: string } } }>("/api/v1/fleet")).validation.revision?.sha === bad, { timeoutMs: 15_000, message: "the typo rejected" });
    const r = await run(["status", "--check", ...api()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`koji-fleet status: the newest commit ${bad.slice(0, 12)} was rejected; ${sha.slice(0, 12)} stays in force`);
    expect(r.stdout).toContain("validation: invalid");
    expect((await run(["status", ...api()])).code).toBe(0); // without --check: the read succeeded
  });
});
