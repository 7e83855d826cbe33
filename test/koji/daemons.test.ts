// Assertion 5 of issue 18: kojira runs on its rendered config (certificate, hub URL by name)
// without errors; kojid logs in to the hub with its certificate and the builder shows ready and
// enabled. Both were started by their host's agent (service kind → the systemd stand-in).
import { readFile } from "node:fs/promises";
import { describe, expect, inject, it } from "vitest";
import { BUILDER, HUB } from "../support/compiled-fleet.js";
import { waitFor } from "../support/wait.js";
import { attachFarm, type FarmHost } from "./farm.js";
import { fqdn, koji } from "./lane.js";

const farm = attachFarm(inject("farm"));
const hub = farm.host(HUB);
const builder = farm.host(BUILDER);

const mainPid = async (h: FarmHost, unit: string) => Number((await h.ns.exec(["systemctl", "show", unit, "-p", "MainPID", "--value"])).stdout.trim());
const unitLog = (h: FarmHost, unit: string) => readFile(h.path(`/var/log/koji-lane/${unit}.log`), "utf8").catch(() => "");
const ERRORS = /Traceback|\bERROR\b|CRITICAL/;

describe("kojira and kojid, started by their agents on the rendered configs", () => {
  it("kojira stays up for 10 s and logs no error", async () => {
    const pid = await mainPid(hub, "kojira.service");
    expect(pid).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 10_000));
    expect(await mainPid(hub, "kojira.service")).toBe(pid);
    const log = await unitLog(hub, "kojira.service");
    expect(log).not.toMatch(ERRORS);
    // kojira with --verbose says what it is doing: it reached its main loop, logged in.
    expect(log.length).toBeGreaterThan(0);
  });

  it("kojid is logged in: the builder shows enabled and ready in the hub", async () => {
    await waitFor(async () => /^Ready: yes$/m.test((await koji(hub, "hostinfo", fqdn(BUILDER))).stdout), { timeoutMs: 30_000, intervalMs: 1_000, message: "kojid ready" });
    const info = (await koji(hub, "hostinfo", fqdn(BUILDER))).stdout;
    expect(info).toMatch(/^Enabled: yes$/m);
    expect(await mainPid(builder, "kojid.service")).toBeGreaterThan(0);
    expect(await unitLog(builder, "kojid.service")).not.toMatch(/Traceback|CRITICAL/);
  });
});
