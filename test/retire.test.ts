// A host removed from git gets a retirement catalog: the farm CA leaves its trust store.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestFleet } from "./support/fleet.js";
import { waitFor } from "./support/wait.js";
import type { FleetEvent } from "../shared/protocol.js";

const HOST = "cs10-koji-04";
const ANCHOR = "etc/pki/ca-trust/source/anchors/koji_ca_cert.crt";

describe("a host leaving the fleet", () => {
  let fleet: TestFleet;
  beforeAll(async () => {
    fleet = await TestFleet.start();
    await fleet.waitReady((await fleet.remote.git("rev-parse", "HEAD")).trim());
  });
  afterAll(async () => fleet?.stop());

  it("gets a signed retirement catalog that takes the farm CA out of its trust store, and leaves the host list", async () => {
    expect(existsSync(join(fleet.root(HOST), ANCHOR))).toBe(true);
    const before = fleet.controller.fleet.desired.get(HOST)!.generation;
    const yaml = readFileSync(join(fleet.remote.workDir, "fleet.yaml"), "utf8");
    // Without a lookaside host, builders fetch sources the way the spec repository's Makefile says.
    const without = yaml.replace(/  - name: cs10-koji-04[^\n]*\n(    [^\n]*(\n|$))+/, "").replace('path: "/RPMs/*" }', 'path: "/RPMs/*", sources: make }');
    expect(without).not.toMatch(/- name: cs10-koji-04/);
    const head = await fleet.push("retire the lookaside host", { "fleet.yaml": without });

    await waitFor(() => !existsSync(join(fleet.root(HOST), ANCHOR)), { timeoutMs: 15_000, message: "trust anchor removed" });
    const retired = fleet.controller.fleet.desired.get(HOST)!;
    expect({ roles: retired.roles, revision: retired.revision, signed: Boolean(retired.signature) }).toEqual({ roles: [], revision: head, signed: true });
    expect(retired.generation).toBeGreaterThan(before);
    expect((await fleet.hosts()).map((h) => h.host)).not.toContain(HOST);
    const events = (await fleet.api<{ events: FleetEvent[] }>("/api/v1/events?type=host-removed")).events;
    expect(events.at(-1)?.message).toContain(HOST);

    // The next revision does not retire it again.
    const next = await fleet.push("another change", { "fleet.yaml": without.replace("maxjobs: 10", "maxjobs: 9") });
    await waitFor(() => fleet.controller.fleet.lastGood?.sha === next, { message: "next revision accepted" });
    expect(fleet.controller.fleet.desired.get(HOST)!.generation).toBe(retired.generation);
  });
});
