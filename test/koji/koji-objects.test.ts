// The controller's Koji-object pass (controller/koji-sync.ts) against the real hub (issue 18,
// assertion 4): logged in with the hub's admin certificate, it gives kojira's user the `repo`
// permission and registers each builder with the arches, capacity and channels git says; a
// second pass only reads. Its own farm: the pass writes to the hub that hub.test.ts checks.
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PATHS } from "../../controller/compile/farm.js";
import { BUILDER, HUB, reference } from "../../controller/compile/testing.js";
import { defaultsApplied } from "../../controller/config/defaults.js";
import { KojiObjectsSync } from "../../controller/koji-sync.js";
import { silentLogger } from "../../shared/log.js";
import { useTmpDirs } from "../support/tmp.js";
import { kojiCli, openHubFarm, type HubFarm } from "./hub-farm.js";

const tmp = useTmpDirs();
let farm: HubFarm;
let sync: KojiObjectsSync;
const registeredChanges: string[][] = [];

// What git says, as the controller resolves fleet.yaml.
const fleet = defaultsApplied(reference());
const builder = fleet.hosts.find((h) => h.name === BUILDER)!;
const kojira = fleet.koji.kojiraUser;

/** What the pass may write or open, as the hub's database holds it. */
const footprint = () =>
  farm.pg.sql(
    "SELECT (SELECT count(*) FROM sessions) || ' sessions, ' || (SELECT count(*) FROM sessions WHERE NOT expired) || ' open, ' || " +
      "(SELECT max(id) FROM events) || ' last event, ' || (SELECT count(*) FROM users) || ' users'",
    "koji",
  ).trim();

beforeAll(async () => {
  let dir: string;
  ({ farm, dir } = await openHubFarm(tmp));
  const profile = farm.c.ini(HUB, `${PATHS.clientConfD}/mx-os-koji.conf`, "mx-os-koji");
  sync = new KojiObjectsSync({
    fleet: reference,
    // The hub host's own files: the fleet CA of its client profile and the admin's client.crt.
    caFile: farm.hostPath(profile.serverca!),
    adminCertFile: farm.hostPath(PATHS.adminPem),
    // The hub URL is the fleet's (farmOf().hubUrl); the bytes go through the forwarded socket.
    connect: () => connect(farm.hubSocket),
    ownedFile: join(dir, "controller", "koji-owned.json"),
    onRegisteredChanged: (registered) => void registeredChanges.push([...registered]),
    log: silentLogger(),
  });
}, 240_000);
afterAll(async () => {
  await farm?.stop();
});

describe(`the controller's Koji-object pass against the real hub (${HUB})`, () => {
  it(`first pass: ${kojira} gets repo, ${BUILDER} is registered with git's arches, capacity and channels`, async () => {
    const before = footprint();
    await sync.run();
    expect(sync.results.filter((r) => r.outcome !== "changed").map((r) => `${r.id}: ${r.outcome} ${r.error ?? ""}`)).toEqual([]);
    expect(registeredChanges).toEqual([expect.arrayContaining([builder.fqdn])]);
    // One admin session, logged out at the end.
    const [sessions, open] = before.match(/\d+/g)!.map(Number);
    expect(footprint()).toMatch(new RegExp(`^${sessions! + 1} sessions, ${open} open, `));

    // The hub, asked by Koji's own CLI.
    const perms = (await kojiCli(farm, "list-permissions", "--user", kojira)).stdout.split("\n").map((l) => l.trim());
    expect(perms).toContain("repo");
    const info = (await kojiCli(farm, "hostinfo", builder.fqdn)).stdout;
    const line = (name: string) => new RegExp(`^${name}: (.*)$`, "m").exec(info)?.[1];
    expect(line("Name")).toBe(builder.fqdn);
    expect(line("Arches")?.split(" ").sort()).toEqual([...builder.builder!.arches].sort());
    expect(Number(line("Capacity"))).toBe(builder.builder!.capacity);
    expect(line("Channels")?.split(" ").sort()).toEqual([...builder.builder!.channels].sort());
    expect(line("Enabled")).toBe("yes");
  });

  it("second pass: everything unchanged, no write and no new session in the hub's database", async () => {
    const before = footprint();
    await sync.run();
    expect(footprint()).toBe(before);
    expect(sync.results.length).toBeGreaterThan(1);
    expect(sync.results.filter((r) => r.outcome !== "unchanged").map((r) => `${r.id}: ${r.outcome}`)).toEqual([]);
    expect(registeredChanges).toHaveLength(1);
  });
});
