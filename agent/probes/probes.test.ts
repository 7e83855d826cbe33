import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Probe, ProbeResult } from "../../shared/protocol.js";
import { createExecutor } from "../providers/executor.js";
import { createFiles } from "../providers/files.js";
import { MAX_PROBE_OUTPUT, defaultProbes, runProbes, type AnyProbeKind } from "./index.js";

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(join(tmpdir(), "kf-probe-"));
  fs.mkdirSync(join(root, "etc/koji-hub"), { recursive: true });
  fs.writeFileSync(join(root, "etc/koji-hub/hub.conf"), "");
  fs.symlinkSync("hub.conf", join(root, "etc/koji-hub/current"));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const T0 = new Date("2025-01-01T00:00:00.000Z");
const T1 = new Date("2025-01-01T00:00:30.000Z");
const probe = (id: string, props: Record<string, unknown>, kind = "path"): Probe => ({ id, kind, props });
const run = (probes: Probe[], previous: ProbeResult[] = [], now = T0, kinds = defaultProbes) =>
  runProbes(probes, { root, files: createFiles(), exec: createExecutor(), previous, now: () => now, kinds });

describe("path probe", () => {
  it.each<[string, Record<string, unknown>, boolean, string]>([
    ["file present → healthy", { path: "/etc/koji-hub/hub.conf", type: "file" }, true, "/etc/koji-hub/hub.conf: file present"],
    ["any type accepted when none is given", { path: "/etc/koji-hub" }, true, "/etc/koji-hub: directory present"],
    ["symlink seen as a symlink", { path: "/etc/koji-hub/current", type: "symlink" }, true, "/etc/koji-hub/current: symlink present"],
    ["absent → unhealthy", { path: "/etc/kojiweb/web.conf" }, false, "/etc/kojiweb/web.conf: absent"],
    ["wrong type → unhealthy, says what it found", { path: "/etc/koji-hub", type: "file" }, false, "/etc/koji-hub: found a directory, expected a file"],
    ["invalid props → unhealthy with the schema message", { path: "relative" }, false, 'invalid props: /path must match pattern "^/"'],
  ])("%s", async (_name, props, healthy, output) => {
    expect(await run([probe("p", props)])).toEqual([{ id: "p", healthy, output, since: T0.toISOString(), checkedAt: T0.toISOString() }]);
  });
});

describe("runProbes", () => {
  it("since carries over while the health does not flip, and resets when it does", async () => {
    const p = probe("hub-conf", { path: "/etc/koji-hub/hub.conf" });
    const first = await run([p]);
    const same = await run([p], first, T1);
    expect(same[0]).toMatchObject({ healthy: true, since: T0.toISOString(), checkedAt: T1.toISOString() });
    fs.unlinkSync(join(root, "etc/koji-hub/hub.conf"));
    const flipped = await run([p], same, T1);
    expect(flipped[0]).toMatchObject({ healthy: false, since: T1.toISOString() });
  });

  it("unknown kind, throwing probe, huge output → unhealthy results, never an exception", async () => {
    const kinds = new Map<string, AnyProbeKind>([
      ...defaultProbes,
      ["boom", { name: "boom", schema: Type.Object({}), check: async () => Promise.reject(new Error("connection refused")) }],
      ["chatty", { name: "chatty", schema: Type.Object({}), check: async () => ({ healthy: true, output: "x".repeat(10_000) }) }],
    ]);
    const results = await run([probe("a", {}, "smtp"), probe("b", {}, "boom"), probe("c", {}, "chatty")], [], T0, kinds);
    expect(results.map((r) => [r.id, r.healthy, r.output.slice(0, 40)])).toEqual([
      ["a", false, "unsupported probe kind 'smtp'"],
      ["b", false, "connection refused"],
      ["c", true, "x".repeat(40)],
    ]);
    expect(results[2]!.output).toHaveLength(MAX_PROBE_OUTPUT);
    expect(results[2]!.output.endsWith("…[truncated]")).toBe(true);
  });
});

describe("probes in sandbox mode", () => {
  it("a live-service probe is not checked (it would check the machine running the sandbox); a path probe still is", async () => {
    const { runProbes } = await import("./index.js");
    const { createFiles } = await import("../providers/files.js");
    const { RecordingExecutor } = await import("../providers/executor.js");
    const exec = new RecordingExecutor([]);
    const results = await runProbes(
      [
        { id: "kojid", kind: "service-active", props: { unit: "kojid.service" } },
        { id: "conf", kind: "path", props: { path: "/nope" } },
      ],
      { root: "/tmp", files: createFiles(), exec, previous: [], sandbox: true },
    );
    expect(results.map((r) => [r.id, r.healthy, r.output])).toEqual([
      ["kojid", true, "sandbox: service-active probe not checked here"],
      ["conf", false, "/nope: absent"],
    ]);
    expect(exec.calls).toEqual([]);
  });
});
