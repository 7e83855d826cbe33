// Scenario 5 of issue 10, bad input: ≥ 200 mutated fleet.yaml files are each rejected with
// file:line:col or accepted only when valid, a controller fed a sample of them through git
// keeps the last good revision in force, and hostile NATS messages on the agent and
// controller subjects are refused without a crash.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { TestFleet, HOSTS } from "../support/fleet.js";
import { waitFor } from "../support/wait.js";
import { mutations, type Mutation } from "./fleet-mutations.js";
import { loadFleet } from "../../controller/config/load-fleet.js";
import { compileFleet } from "../../controller/compile/compile.js";
import { formatConfigError } from "../../shared/yaml-config.js";
import { BUCKET_STATUS, ENROLL_SUBJECT, commandSubject, csrSubject, eventSubject } from "../../shared/names.js";

const example = await readFile(new URL("../../gitops/fleet.yaml", import.meta.url), "utf8");
const all = mutations(example);

describe("scenario: fuzzed fleet.yaml", () => {
  it("has at least 200 mutations over every kind the issue names", () => {
    expect(all.length).toBeGreaterThanOrEqual(200);
    expect(new Set(all.map((m) => m.kind))).toEqual(
      new Set(["type-error", "missing-key", "unknown-role", "duplicate-host", "dependency-cycle", "huge-value", "hostile-yaml", "invalid-utf8", "truncated", "syntax-noise"]),
    );
  });

  it("rejects each with file:line:col inside the file, or accepts it only when it compiles", () => {
    const accepted: string[] = [];
    for (const m of all) {
      const lineCount = m.bytes.toString("latin1").split("\n").length;
      const r = loadFleet(m.bytes, "fleet.yaml");
      if (r.ok) {
        expect(m.mustReject, `${m.name} was accepted`).toBe(false);
        const catalogs = compileFleet(r.fleet, {});
        expect(catalogs.length, m.name).toBe(r.fleet.hosts.length);
        accepted.push(m.name);
        continue;
      }
      expect(r.errors.length, m.name).toBeGreaterThan(0);
      for (const e of r.errors) {
        expect(formatConfigError(e), m.name).toMatch(/^fleet\.yaml:\d+:\d+: \S/);
        expect(e.line, m.name).toBeGreaterThanOrEqual(1);
        expect(e.line, m.name).toBeLessThanOrEqual(lineCount);
        expect(e.col, m.name).toBeGreaterThanOrEqual(1);
      }
    }
    // Most mutations break the file; the ones that survive (an optional key deleted, a comment
    // cut) are valid fleets. If nearly all were accepted, the mutator stopped mutating.
    expect(accepted.length).toBeLessThan(all.length / 4);
    expect(all.filter((m) => m.kind === "type-error").every((m) => !loadFleet(m.bytes, "fleet.yaml").ok)).toBe(true);
  });

  it("stays fast on hostile input (alias bomb, deep nesting, 5,000 hosts): under 2 s of CPU each", () => {
    for (const m of all.filter((x) => x.kind === "hostile-yaml" || x.kind === "huge-value")) {
      // CPU time, not wall time: other test files share the machine's two cores.
      const started = process.cpuUsage();
      loadFleet(m.bytes, "fleet.yaml");
      const used = process.cpuUsage(started);
      expect((used.user + used.system) / 1000, m.name).toBeLessThan(2_000);
    }
  });
});

describe("scenario: bad input reaching a running fleet", () => {
  let fleet: TestFleet;
  let good: string;
  let nc: NatsConnection;

  beforeAll(async () => {
    fleet = await TestFleet.start();
    good = (await fleet.remote.git("rev-parse", "HEAD")).trim();
    await fleet.waitReady(good);
    nc = await connect({ servers: fleet.nats.url });
  });
  afterAll(async () => {
    await nc?.close();
    await fleet?.stop();
  });

  // One of each kind, pushed through git; the controller must reject every one.
  const sample = [...new Map(all.filter((m) => m.mustReject).map((m) => [m.kind, m] as const)).values()];

  it.each(sample.map((m): [string, Mutation] => [m.kind, m]))("a pushed %s commit is rejected and the last good revision stays in force", async (_kind, m) => {
    const bad = await fleet.push(`bad input: ${m.name}`, { "fleet.yaml": m.bytes });
    const revisions = await waitFor(
      async () => {
        const r = await fleet.api<{ inForce: string; revisions: { revision: { sha: string }; state: string; errors: string[] }[] }>("/api/v1/revisions");
        return r.revisions[0]?.revision.sha === bad ? r : false;
      },
      { timeoutMs: 20_000, message: `rejection of ${m.name}` },
    );
    expect(revisions.revisions[0]?.state).toBe("rejected");
    expect(revisions.revisions[0]?.errors[0]).toMatch(/^fleet\.yaml:\d+:\d+: /);
    expect(revisions.inForce).toBe(good);
    expect((await fleet.hosts()).map((h) => [h.host, h.revision, h.phase])).toEqual(HOSTS.map((h) => [h, good, "Ready"]));
  });

  it("refuses malformed, oversized and hostile NATS messages without a crash, then converges a good commit", async () => {
    const deep = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
    const payloads: (string | Uint8Array)[] = [
      "", "{", "null", "[]", "42", '"x"', deep, "x".repeat(900_000), Uint8Array.from([0xff, 0xfe, 0x00, 0xc3, 0x28]),
      '{"__proto__":{"polluted":true},"host":"cs10-koji-03"}',
      '{"host":"cs10-koji-03","generation":1e400,"revision":{"sha":"' + "f".repeat(40) + '"}}',
      JSON.stringify({ host: "../../etc", token: "x".repeat(10_000), csr: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----" }),
    ];
    const host = "cs10-koji-03";
    const status = await new Kvm(nc).open(BUCKET_STATUS);
    for (const p of payloads) {
      for (const subject of [ENROLL_SUBJECT, csrSubject(host)]) {
        const reply = await nc.request(subject, p, { timeout: 5_000 });
        expect(reply.json<{ ok: boolean; error: string }>(), subject).toEqual({ ok: false, error: expect.stringMatching(/malformed|invalid/) });
      }
      // plan parses the payload as a catalog and must refuse it; converge takes no payload.
      const plan = await nc.request(commandSubject(host, "plan"), p, { timeout: 5_000 });
      expect(plan.json<{ ok: boolean; error: string }>()).toEqual({ ok: false, error: expect.stringMatching(/^catalog: /) });
      const converge = await nc.request(commandSubject(host, "converge"), p, { timeout: 5_000 });
      expect(converge.json<{ ok: boolean }>().ok).toBe(true);
      nc.publish(eventSubject(host), p);
      await status.put(host, p).catch(() => undefined);
    }
    await nc.flush();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    // Everyone is alive: the controller answers, and a real change reaches every host.
    expect((await fetch(`${fleet.apiUrl}/healthz`)).status).toBe(200);
    const next = await fleet.push("a good change after the noise", { "fleet.yaml": example.replace("maxjobs: 10", "maxjobs: 9") });
    const views = await fleet.waitReady(next, HOSTS, 45_000);
    expect(views.map((v) => v.host)).toEqual([...HOSTS]);
  });
});
