// Assertion 4 of issue 18, and the fake hub's call sequences (controller/koji/converge.test.ts)
// against the real hub: the running controller's Koji-object pass, logged in with the hub's
// admin certificate, gave kojira `repo` and registered the builder as git says; its later
// passes only read (no admin session in the hub's database); drift made by hand with the koji
// CLI is healed by the next pass (enableHost, addHostToChannel).
import { describe, expect, inject, it } from "vitest";
import { BUILDER, HUB, reference } from "../support/compiled-fleet.js";
import { connect } from "node:net";
import { join } from "node:path";
import { PATHS } from "../../controller/compile/farm.js";
import { defaultsApplied } from "../../controller/config/defaults.js";
import { convergeKojiObjects } from "../../controller/koji/converge.js";
import { desiredKojiObjects } from "../../controller/koji/objects.js";
import { credentialFiles } from "../../shared/koji/credentials.js";
import { KojiSession } from "../../shared/koji/session.js";
import type { ResourceResult } from "../../shared/protocol.js";
import { forward } from "../support/netns.js";
import { waitFor } from "../support/wait.js";
import { attachFarm } from "./farm.js";
import { fqdn, koji, sql, userCredential } from "./lane.js";

const farm = attachFarm(inject("farm"));
const hub = farm.host(HUB);
const fleet = defaultsApplied(reference());
const builder = fleet.hosts.find((h) => h.name === BUILDER)!;
const kojira = fleet.koji.kojiraUser;
/** The controller's pass runs every 5 s in the lane (controller.yaml koji.intervalSeconds). */
const PASS_MS = 5_000;

interface KojiView { enabled: boolean; lastRunAt: string | null; registeredBuilders: string[]; kojiraPermitted: boolean; results: ResourceResult[] }
const kojiView = async () => (await farm.api<KojiView>("GET", "/api/v1/koji")).body;
const adminSessions = () => sql(farm, `SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.name = '${fleet.koji.adminUser}'`);
const lastEvent = () => sql(farm, "SELECT max(id) FROM events");
const hostinfo = async () => {
  const info = (await koji(hub, "hostinfo", builder.fqdn)).stdout;
  return (name: string) => new RegExp(`^${name}: (.*)$`, "m").exec(info)?.[1];
};

describe(`the controller's Koji-object pass against the real hub on ${HUB}`, () => {
  it(`${kojira} has repo; ${BUILDER} is registered with git's arches, capacity and channels, enabled`, async () => {
    const perms = (await koji(hub, "list-permissions", "--user", kojira)).stdout.split("\n").map((l) => l.trim());
    expect(perms).toContain("repo");
    const line = await hostinfo();
    expect(line("Name")).toBe(builder.fqdn);
    expect(line("Arches")?.split(" ").sort()).toEqual([...builder.builder!.arches].sort());
    expect(Number(line("Capacity"))).toBe(builder.builder!.capacity);
    expect(line("Channels")?.split(" ").sort()).toEqual([...builder.builder!.channels].sort());
    expect(line("Enabled")).toBe("yes");
    const view = await kojiView();
    expect(view.registeredBuilders).toEqual([builder.fqdn]);
    expect(view.kojiraPermitted).toBe(true);
  });

  it("later passes only read: every object unchanged, no new admin session and no event in the hub's database", async () => {
    await waitFor(async () => (await kojiView()).results.every((r) => r.outcome === "unchanged"), { timeoutMs: 3 * PASS_MS, message: "a pass with every object unchanged" });
    // The hub's agent is paused meanwhile: its admin-login probe logs in as the admin too.
    process.kill(hub.agentPid, "SIGSTOP");
    try {
      const [sessions, events, lastRun] = [await adminSessions(), await lastEvent(), (await kojiView()).lastRunAt];
      await waitFor(async () => {
        const view = await kojiView();
        return view.lastRunAt !== lastRun && view.results.every((r) => r.outcome === "unchanged") && view;
      }, { timeoutMs: 3 * PASS_MS, intervalMs: 250, message: "another pass" });
      expect({ sessions: await adminSessions(), events: await lastEvent() }).toEqual({ sessions, events });
    } finally {
      process.kill(hub.agentPid, "SIGCONT");
    }
    expect((await kojiView()).results.map((r) => [r.id, r.outcome])).toEqual(expect.arrayContaining([[`koji-user:${kojira}`, "unchanged"], [`koji-host:${builder.fqdn}`, "unchanged"]]));
  });

  it("drift by hand (builder disabled, taken out of createrepo) is healed by the next pass", async () => {
    await koji(hub, "disable-host", builder.fqdn);
    await koji(hub, "remove-host-from-channel", builder.fqdn, "createrepo");
    await waitFor(async () => {
      const line = await hostinfo();
      return line("Enabled") === "yes" && line("Channels")?.split(" ").includes("createrepo");
    }, { timeoutMs: 4 * PASS_MS, intervalMs: 500, message: `${builder.fqdn} enabled and in createrepo again` });
  });

  it("the fake hub's other sequences, from out here: noop reads only; a non-admin's pass fails naming the first write not made", async () => {
    // The pass of controller/koji, run by the test through a socket forwarded to the hub's :443.
    const socket = join(farm.dir, "hub-443.sock");
    const forwarder = await forward(hub.ns, socket, hub.address, 443);
    try {
      const session = (certFile: string) =>
        new KojiSession({ hubUrl: `https://${fqdn(HUB)}/kojihub`, credentials: credentialFiles({ caFile: hub.path(PATHS.caCert), certFile }), requirePermission: "admin", connect: () => connect(socket) });
      const want = desiredKojiObjects(fleet);
      const bigger = { ...want, builders: want.builders.map((b) => ({ ...b, capacity: b.capacity + 5 })) };
      process.kill(hub.agentPid, "SIGSTOP"); // its admin-login probe would add sessions meanwhile
      try {
        const [sessions, events] = [await sql(farm, "SELECT count(*) FROM sessions"), await lastEvent()];
        const noop = await convergeKojiObjects(session(hub.path(PATHS.adminPem)), bigger, { noop: true });
        expect(noop.results.map((r) => [r.id, r.outcome])).toEqual([[`koji-user:${kojira}`, "unchanged"], [`koji-host:${builder.fqdn}`, "would-change"]]);
        expect({ sessions: await sql(farm, "SELECT count(*) FROM sessions"), events: await lastEvent() }).toEqual({ sessions, events });
      } finally {
        process.kill(hub.agentPid, "SIGCONT");
      }

      const { pemOnHub } = await userCredential(farm, "carol");
      const refused = await convergeKojiObjects(session(hub.path(pemOnHub)), bigger);
      const host = refused.results.find((r) => r.id === `koji-host:${builder.fqdn}`)!;
      expect([host.outcome, host.errorCode]).toEqual(["failed", "KF_ERR_FORBIDDEN"]);
      expect(host.error).toMatch(/^editHost .*: not applied, Koji login as carol succeeded but that user lacks the 'admin' permission/);
      expect(refused.results.find((r) => r.id === `koji-user:${kojira}`)?.outcome).toBe("unchanged");
    } finally {
      await forwarder.stop();
    }
  });
});
