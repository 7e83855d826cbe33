// The farm itself (farm.ts, started once by global-setup.ts): five hosts whose agents converged
// their real catalogs with nothing failed, the farm's names resolved by each host's managed
// /etc/hosts block, and this machine left as it was.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { BUILDER, HUB, reference } from "../support/compiled-fleet.js";
import { attachFarm } from "./farm.js";
import { fqdn } from "./lane.js";

const run = promisify(execFile);
const farm = attachFarm(inject("farm"));

describe("the lane's farm", () => {
  it("every host's agent converged its whole catalog: Ready, nothing failed, nothing left to change", async () => {
    const views = await farm.waitReady(undefined, 10_000);
    expect(views.map((v) => v.host).sort()).toEqual(reference().hosts.map((h) => h.name).sort());
    for (const v of views) {
      expect({ host: v.host, ...v.resources, total: v.resources.total > 10, probes: v.failing.probes }).toMatchObject({ host: v.host, total: true, failed: 0, wouldChange: 0, probes: [] });
    }
  });

  it("each host resolves the names it connects to through the hosts block its agent keeps", async () => {
    const resolve = async (host: string, ...names: string[]) =>
      (await farm.host(host).ns.exec(["getent", "hosts", ...names.map(fqdn)])).stdout.trim().split("\n").map((l) => l.split(/\s+/).slice(0, 2).join(" "));
    // The hub: its database and the NFS server; the builder: the hub, the NFS server and the lookaside.
    expect(await resolve(HUB, "cs10-koji-01", "cs10-koji-02")).toEqual(["192.168.122.11 cs10-koji-01.mx-os", "192.168.122.12 cs10-koji-02.mx-os"]);
    expect(await resolve(BUILDER, HUB, "cs10-koji-02", "cs10-koji-04")).toEqual(["192.168.122.10 cs10-koji-00.mx-os", "192.168.122.12 cs10-koji-02.mx-os", "192.168.122.14 cs10-koji-04.mx-os"]);
  });

  it("leaves this machine as it was: no farm address, no Koji config, no topdir", async () => {
    const { stdout } = await run("ip", ["-o", "addr"]);
    expect(stdout).not.toMatch(/192\.168\.122\.1[0-4]\//);
    for (const p of ["/etc/koji-hub", "/etc/kojid", "/etc/koji-fleet/agent.yaml", "/mnt/koji/repos"]) expect({ p, exists: existsSync(p) }).toEqual({ p, exists: false });
  });
});
