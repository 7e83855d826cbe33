import { describe, expect, it } from "vitest";
import { checkRoleGraph, hostDependencies, DependencyCycleError } from "./graph.js";
import { stepRollout, type HostHealth, type Rollout } from "./plan.js";

const SEED = [
  { host: "cs10-koji-00", roles: ["hub", "web", "kojira"] },
  { host: "cs10-koji-01", roles: ["database"] },
  { host: "cs10-koji-02", roles: ["nfs"] },
  { host: "cs10-koji-03", roles: ["builder"] },
  { host: "cs10-koji-04", roles: ["lookaside"] },
];
const deps = hostDependencies(SEED);
const T0 = "2026-11-26T12:00:00.000Z";
const ready = (digest = "old"): HostHealth => ({ phase: "Ready", appliedDigest: digest, observedDigest: digest, reason: "Converged", message: "ok", since: T0 });
const target = (host: string, digest: string, batched: boolean) => ({ host, digest, batched, revision: "r2", held: null });
const rollout = (over: Partial<Rollout> = {}): Rollout => ({
  revision: "r2", startedAt: T0, phase: "Progressing", halt: null, maxUnavailable: 1, published: {}, excused: [],
  targets: SEED.map((h) => target(h.host, `new-${h.host}`, h.roles.includes("builder"))),
  ...over,
});
const allReady = () => new Map(SEED.map((h) => [h.host, ready()]));

describe("role dependency graph", () => {
  it("the seed's layout: hub host waits for database and NFS; builder for hub and NFS; lookaside for nobody", () => {
    expect(Object.fromEntries([...deps].map(([h, d]) => [h, d.map((x) => `${x.role}@${x.host}`)]))).toEqual({
      "cs10-koji-00": ["database@cs10-koji-01", "nfs@cs10-koji-02"],
      "cs10-koji-01": [],
      "cs10-koji-02": [],
      "cs10-koji-03": ["hub@cs10-koji-00", "nfs@cs10-koji-02"],
      "cs10-koji-04": [],
    });
  });

  it("a cycle in declared dependencies is named", () => {
    expect(() => checkRoleGraph({ hub: ["database"], database: ["builder"], builder: ["hub"] })).toThrow(DependencyCycleError);
    expect(() => checkRoleGraph({ hub: ["database"], database: ["builder"], builder: ["hub"] })).toThrow("role dependency cycle: builder → hub → database → builder");
  });
});

describe("rollout steps", () => {
  it("first step: the hosts nobody waits on go first (a failing one too: its new catalog may be the fix); the others say who they wait for and why", () => {
    const health = allReady();
    health.set("cs10-koji-01", { phase: "Failed", appliedDigest: "old", observedDigest: "old", reason: "ProbeFailing", message: "probe postgres-login failing: password authentication failed", since: T0 });
    const step = stepRollout(rollout(), health, deps);
    expect(step.publish).toEqual(["cs10-koji-01", "cs10-koji-02", "cs10-koji-04"]);
    expect(step.waiting.get("cs10-koji-00")).toBe(`waiting for database on cs10-koji-01 (Failed: probe postgres-login failing: password authentication failed since ${T0})`);
  });

  it("the database applied its new catalog and is Ready → the hub host goes; builders still wait for the hub", () => {
    const health = allReady();
    health.set("cs10-koji-01", ready("new-cs10-koji-01"));
    health.set("cs10-koji-02", ready("new-cs10-koji-02"));
    const step = stepRollout(rollout({ published: { "cs10-koji-01": T0, "cs10-koji-02": T0, "cs10-koji-04": T0 } }), health, deps);
    expect(step.publish).toEqual(["cs10-koji-00"]);
    expect(step.waiting.get("cs10-koji-03")).toMatch(/^waiting for hub on cs10-koji-00 \(Ready: ok/);
  });

  it("a dependency whose catalog did not change only has to be Ready", () => {
    const r = rollout({ targets: [target("cs10-koji-03", "new", true)] });
    expect(stepRollout(r, allReady(), deps).publish).toEqual(["cs10-koji-03"]);
  });

  it("builders roll one batch at a time (maxUnavailable 1)", () => {
    const builders = ["b1", "b2", "b3"].map((host) => target(host, `new-${host}`, true));
    const noDeps = new Map<string, { host: string; role: string }[]>();
    const health = new Map(builders.map((b) => [b.host, ready()]));
    const first = stepRollout(rollout({ targets: builders }), health, noDeps);
    expect(first.publish).toEqual(["b1"]);
    expect(first.waiting.get("b2")).toMatch(/^waiting for its batch/);
    health.set("b1", ready("new-b1"));
    expect(stepRollout(rollout({ targets: builders, published: { b1: T0 } }), health, noDeps).publish).toEqual(["b2"]);
    expect(stepRollout(rollout({ targets: builders, maxUnavailable: 2 }), new Map(builders.map((b) => [b.host, ready()])), noDeps).publish).toEqual(["b1", "b2"]);
  });

  it("new builders (never applied a catalog) take their first one together: they make nothing unavailable", () => {
    const builders = ["b1", "b2", "b3"].map((host) => ({ host, digest: `new-${host}`, batched: true, revision: "r2", held: null }));
    const fresh: HostHealth = { phase: "Progressing", appliedDigest: null, observedDigest: null, reason: "Queued", message: "not published yet", since: T0 };
    const health = new Map([["b1", ready()], ["b2", fresh], ["b3", fresh]]);
    expect(stepRollout(rollout({ targets: builders }), health, new Map()).publish).toEqual(["b1", "b2", "b3"]);
    // b1 serves builds: it is the batch of one; the new ones in flight take no room from it.
    const later = stepRollout(rollout({ targets: [...builders, { host: "b4", digest: "new-b4", batched: true, revision: "r2", held: null }], published: { b2: T0, b3: T0 } }), new Map([...health, ["b4", ready()]]), new Map());
    expect(later.publish).toEqual(["b1"]);
    expect(later.waiting.get("b4")).toMatch(/^waiting for its batch: 1 builder/);
  });

  it("a published builder that fails halts the rollout: nothing more is published, with host and reason", () => {
    const builders = ["b1", "b2"].map((host) => target(host, `new-${host}`, true));
    const health = new Map([["b1", { phase: "Failed", appliedDigest: "old", observedDigest: "old", reason: "ProbeFailing", message: "probe kojid failing", since: T0 } as HostHealth], ["b2", ready()]]);
    const step = stepRollout(rollout({ targets: builders, published: { b1: T0 }, maxUnavailable: 2 }), health, new Map());
    expect(step.halt).toEqual({ host: "b1", message: "b1 failed after its new catalog: ProbeFailing: probe kojid failing" });
    expect(step.publish).toEqual([]);
  });

  it("a published builder whose probes have not passed yet after its converge (Starting) holds its batch without halting", () => {
    const builders = ["b1", "b2"].map((host) => target(host, `new-${host}`, true));
    const starting = { phase: "Progressing", appliedDigest: "new-b1", observedDigest: "new-b1", reason: "Starting", message: "probe kojid not passing yet after the converge", since: T0 } as HostHealth;
    const step = stepRollout(rollout({ targets: builders, published: { b1: T0 } }), new Map([["b1", starting], ["b2", ready()]]), new Map());
    expect(step.halt).toBeNull();
    expect(step.publish).toEqual([]);
    expect(step.waiting.get("b2")).toMatch(/^waiting for its batch: 1 builder/);
  });

  it("a host failing since before its new catalog was published does not halt: the rollout waits for it", () => {
    const later = "2026-11-26T12:00:05.000Z";
    const failing = (since: string): HostHealth => ({ phase: "Failed", appliedDigest: "new-cs10-koji-00", observedDigest: "new-cs10-koji-00", reason: "ProbeFailing", message: "probe http:kojiweb-page failing", since });
    const published = { "cs10-koji-00": later, "cs10-koji-01": T0, "cs10-koji-02": T0, "cs10-koji-04": T0 };
    const health = (since: string) => new Map([...allReady(), ["cs10-koji-00", failing(since)], ...["cs10-koji-01", "cs10-koji-02", "cs10-koji-04"].map((h) => [h, ready(`new-${h}`)] as const)]);
    const before = stepRollout(rollout({ published }), health(T0), deps);
    expect(before.halt).toBeNull();
    expect(before.waiting.get("cs10-koji-03")).toMatch(/^waiting for hub on cs10-koji-00 \(Failed: probe http:kojiweb-page failing since /);
    // The same failure beginning at (or after) the publish is the new catalog's: it halts.
    expect(stepRollout(rollout({ published }), health(later), deps).halt?.host).toBe("cs10-koji-00");
  });

  it("a host already failing that then fails its new catalog's converge halts, though its failure began before the publish", () => {
    const later = "2026-11-26T12:00:05.000Z";
    const published = { "cs10-koji-03": later };
    const failing = (observedDigest: string): HostHealth => ({ phase: "Failed", appliedDigest: "old", observedDigest, reason: "ResourceFailed", message: "file:/etc/kojid/kojid.conf: is a directory", since: T0 });
    const step = (observed: string) => stepRollout(rollout({ published, targets: [target("cs10-koji-03", "new-03", true)] }), new Map([["cs10-koji-03", failing(observed)]]), deps);
    expect(step("old").halt).toBeNull();
    expect(step("new-03").halt).toEqual({ host: "cs10-koji-03", message: "cs10-koji-03 failed after its new catalog: ResourceFailed: file:/etc/kojid/kojid.conf: is a directory" });
  });

  it("a halted rollout publishes nothing until resumed; every target done → complete", () => {
    expect(stepRollout(rollout({ phase: "Halted" }), allReady(), deps).publish).toEqual([]);
    const done = new Map(SEED.map((h) => [h.host, ready(`new-${h.host}`)]));
    const published = Object.fromEntries(SEED.map((h) => [h.host, T0]));
    expect(stepRollout(rollout({ published }), done, deps).complete).toBe(true);
  });
});

describe("health-neutral waves", () => {
  const neutral = (host: string) => ({ host, digest: `new-${host}`, batched: host === "cs10-koji-03", revision: "r2", held: null, neutralFrom: "old" });
  const agentReady = (h: HostHealth): HostHealth => ({ ...h, agentReady: true });
  const readyAll = () => new Map(SEED.map((h) => [h.host, agentReady(ready())]));

  it("a dependency whose change is health-neutral releases its dependents in the same step, before it applied anything", () => {
    const targets = SEED.map((h) => neutral(h.host));
    const step = stepRollout(rollout({ targets }), readyAll(), deps);
    expect(step.publish).toEqual(SEED.map((h) => h.host));
    expect(step.waiting.size).toBe(0);
  });

  it("while it converges (Progressing at its new catalog) it still releases; failing, silent, not Ready or at another catalog it does not", () => {
    const targets = [neutral("cs10-koji-01"), neutral("cs10-koji-02"), neutral("cs10-koji-00")];
    const published = { "cs10-koji-01": T0, "cs10-koji-02": T0 };
    const converging: HostHealth = { ...agentReady(ready()), phase: "Progressing", reason: "Converging" };
    const health = (db: HostHealth) => new Map([...readyAll(), ["cs10-koji-01", db], ["cs10-koji-02", converging]]);
    expect(stepRollout(rollout({ targets, published }), health(converging), deps).publish).toEqual(["cs10-koji-00"]);
    for (const db of [
      { ...converging, agentReady: false },
      { ...converging, phase: "Unknown" as const },
      { ...converging, appliedDigest: "older" },
      { ...converging, appliedDigest: null },
    ]) {
      expect(stepRollout(rollout({ targets, published }), health(db), deps).waiting.get("cs10-koji-00")).toMatch(/^waiting for database on cs10-koji-01/);
    }
  });

  it("a change that is not neutral keeps the gate; so does a neutral host whose own dependency is not done", () => {
    const gated = stepRollout(rollout({ targets: [{ ...neutral("cs10-koji-01"), neutralFrom: null }, neutral("cs10-koji-00")] }), readyAll(), deps);
    expect(gated.publish).toEqual(["cs10-koji-01"]);
    expect(gated.waiting.get("cs10-koji-00")).toMatch(/^waiting for database on cs10-koji-01/);
    // The hub's change is neutral but the NFS host's is not: the builder still waits for the NFS host and, through the hub, for it.
    const chain = stepRollout(rollout({ targets: [{ ...neutral("cs10-koji-02"), neutralFrom: null }, neutral("cs10-koji-00"), neutral("cs10-koji-03")] }), readyAll(), new Map([["cs10-koji-03", [{ host: "cs10-koji-00", role: "hub" }]], ["cs10-koji-00", [{ host: "cs10-koji-02", role: "nfs" }]]]));
    expect(chain.publish).toEqual(["cs10-koji-02"]);
    expect(chain.waiting.get("cs10-koji-03")).toMatch(/^waiting for hub on cs10-koji-00/);
  });
});
