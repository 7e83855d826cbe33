// Assertion 9 of issue 18: a change pushed to git reaches the running farm. builders.maxjobs
// and the builder's capacity change in fleet.yaml; after the webhook, kojid's rendered config
// holds the new maxjobs and kojid restarted on it (the agent's notify → systemctl reload →
// kojid's graceful restart), and the hub shows the new capacity (the controller's editHost).
// Then the fake hub's last call sequence on the real hub: a builder dropped from git is
// disabled in Koji, never deleted, and a host made by hand is never touched.
import { readFile } from "node:fs/promises";
import { describe, expect, inject, it } from "vitest";
import { parseIni } from "../../controller/compile/ini.js";
import { BUILDER, HUB } from "../support/compiled-fleet.js";
import { waitFor } from "../support/wait.js";
import { attachFarm } from "./farm.js";
import { fqdn, koji } from "./lane.js";

const farm = attachFarm(inject("farm"));
const hub = farm.host(HUB);
const builder = farm.host(BUILDER);
const KOJID_CONF = "/etc/kojid/kojid.conf";

const fleetYaml = () => readFile(`${farm.remote.workDir}/fleet.yaml`, "utf8");
const kojidConf = async () => parseIni(await readFile(builder.path(KOJID_CONF), "utf8")).kojid ?? {};
const restarts = async () => ((await readFile(builder.path("/var/log/koji-lane/kojid.service.log"), "utf8")).match(/Restarting/g) ?? []).length;
const hostinfo = async (field: string, host = fqdn(BUILDER)) => new RegExp(`^${field}: (.*)$`, "m").exec((await koji(hub, "hostinfo", host)).stdout)?.[1];

describe("a change pushed to git reaches the running farm", () => {
  it("builders.maxjobs and the builder's capacity: kojid.conf changes, kojid restarts, the hub shows the new capacity", { timeout: 180_000 }, async () => {
    expect((await kojidConf()).maxjobs).toBe("10");
    expect(Number(await hostinfo("Capacity"))).toBe(4);
    const before = await restarts();
    const yaml = (await fleetYaml()).replace("maxjobs: 10", "maxjobs: 7").replace("capacity: 4.0", "capacity: 6.0");
    const sha = await farm.push("builders: maxjobs 7, cs10-koji-03 capacity 6", { "fleet.yaml": yaml });
    await farm.waitReady(sha, 120_000);
    expect((await kojidConf()).maxjobs).toBe("7");
    await waitFor(async () => (await restarts()) > before, { timeoutMs: 30_000, message: "kojid's graceful restart in its log" });
    await waitFor(async () => Number(await hostinfo("Capacity")) === 6, { timeoutMs: 30_000, intervalMs: 1_000, message: "capacity 6 in the hub" });
    // kojid logged in again after its restart: the builder is ready on the new config.
    await waitFor(async () => (await hostinfo("Ready")) === "yes", { timeoutMs: 30_000, intervalMs: 1_000, message: "kojid ready after its restart" });
  });

  it("a builder git drops is disabled in Koji, never deleted; hosts koji-fleet never registered are left alone", { timeout: 180_000 }, async () => {
    // A second builder (git refuses a farm without one): registered by the controller as soon
    // as git lists it, whether or not its VM exists yet.
    const listed = await fleetYaml();
    const extra = "cs10-koji-05";
    const withExtra = `${listed.trimEnd()}\n  - name: ${extra}\n    address: 192.168.122.15\n    roles: [builder]\n`;
    await koji(hub, "add-host", "manual.example", "x86_64"); // made by hand: never koji-fleet's to touch
    await farm.push(`add ${extra}`, { "fleet.yaml": withExtra });
    await waitFor(async () => (await hostinfo("Enabled", fqdn(extra))) === "yes", { timeoutMs: 60_000, intervalMs: 1_000, message: `${fqdn(extra)} registered` });
    const sha = await farm.push(`drop ${extra}`, { "fleet.yaml": listed });
    await waitFor(async () => (await hostinfo("Enabled", fqdn(extra))) === "no", { timeoutMs: 60_000, intervalMs: 1_000, message: `${fqdn(extra)} disabled in Koji` });
    expect(await hostinfo("Name", fqdn(extra))).toBe(fqdn(extra));
    expect(await hostinfo("Enabled", "manual.example")).toBe("yes");
    await farm.waitReady(sha, 120_000);
  });
});
