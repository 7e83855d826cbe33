// KojiContentSync against the fake hub over real HTTPS: the gate, events per call, the inventory
// file across restarts, drift repaired or only reported, failures told once.
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { FakeKojiHub } from "../../test/support/fake-koji-hub.js";
import { ContentHub } from "../../test/support/koji-content-hub.js";
import { SMALL_FLEET } from "../../test/support/small-fleet.js";
import { makeTmpDir, removeDir } from "../../test/support/tmp.js";
import type { HostView } from "../../shared/api/hosts.js";
import type { FleetEvent } from "../../shared/protocol.js";
import { silentLogger } from "../../shared/log.js";
import type { FleetConfig } from "../config/fleet-schema.js";
import type { KojiContentInFleet } from "../config/koji-content-schema.js";
import { KojiContentSync } from "./content-sync.js";

const CONTENT: KojiContentInFleet = {
  users: { alice: { permissions: ["tag"] } },
  tags: { parent: { packages: [{ name: "foo", owner: "alice" }] }, child: { arches: ["x86_64"], inheritance: [{ parent: "parent", priority: 0 }] } },
  targets: { t: { build_tag: "child", dest_tag: "parent" } },
};
const fleetWith = (content: KojiContentInFleet | undefined): FleetConfig => ({ ...(parse(SMALL_FLEET) as FleetConfig), ...(content && { koji: { content } }) });
const view = (phase: HostView["phase"]) => ({ phase, conditions: [{ type: "Ready", status: "False", reason: "Converging", message: "applying", lastTransitionTime: "" }] }) as unknown as HostView;

let dir: string;
const hubs: FakeKojiHub[] = [];
beforeEach(async () => {
  dir = await makeTmpDir("kf-content-sync-");
});
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((h) => h.close()));
  await removeDir(dir);
});

interface World {
  hub: FakeKojiHub;
  content: ContentHub;
  events: FleetEvent[];
  set: { fleet: FleetConfig | null; revision: string; phase: HostView["phase"] };
  sync: () => Promise<KojiContentSync>;
}
async function world(cn = "kojiadmin"): Promise<World> {
  const content = new ContentHub();
  const hub = await FakeKojiHub.start({ content });
  hubs.push(hub);
  const certFile = await hub.clientPem(cn);
  const events: FleetEvent[] = [];
  const set = { fleet: fleetWith(CONTENT) as FleetConfig | null, revision: "a".repeat(40), phase: "Ready" as HostView["phase"] };
  // A new instance each time, as after a controller restart: only the state file carries over.
  const sync = async () =>
    new KojiContentSync({
      fleet: () => set.fleet, revision: () => set.revision, hostView: (h) => (h === "hub1" ? view(set.phase) : null),
      hubUrl: hub.url, caFile: hub.caFile, adminCertFile: certFile, stateFile: join(dir, "koji-content.json"),
      emit: (e) => events.push(e), clock: () => new Date("2030-01-01T00:00:00Z"), log: silentLogger(),
    });
  return { hub, content, events, set, sync };
}
const kinds = (events: FleetEvent[]) => events.map((e) => `${e.type} ${e.severity}`);
const saved = async () => JSON.parse(await readFile(join(dir, "koji-content.json"), "utf8")) as { owned: string[]; convergedRevision: string | null };

describe("KojiContentSync", () => {
  it("waits for the hub to be Ready, then converges with an event per call, keeps the inventory in its file; a converged farm is read only", async () => {
    const w = await world();
    const s = await w.sync();
    w.set.phase = "Progressing";
    await s.run();
    expect(w.hub.requests).toEqual([]);
    expect(s.status.gate).toEqual({ open: false, reason: "waiting for hub hub1 to be Ready (Progressing: applying)" });

    w.set.phase = "Ready";
    await s.run();
    expect(s.status.failures).toEqual([]);
    expect(w.events.map((e) => e.type).every((t) => t === "koji-changed")).toBe(true);
    expect(w.events.map((e) => e.message)).toContain("createTag: + tag child arches=x86_64");
    expect(w.events.length).toBe(s.status.applied.length);
    expect(w.events[0]).toMatchObject({ severity: "info", revision: w.set.revision, data: { method: "createUser", lines: ["+ user alice"] } });
    expect(await saved()).toEqual({ owned: expect.arrayContaining(["tag:child", "tag:parent", "target:t", "user:alice"]) as unknown, convergedRevision: w.set.revision });
    expect(s.status.objects.every((o) => o.state === "converged")).toBe(true);
    expect(s.status.objects.map((o) => o.path)).toContain("tag child parent parent");

    const [requests, events, calls] = [w.hub.requests.length, w.events.length, w.hub.calls.length];
    await s.run();
    expect(w.hub.requests.length - requests).toBe(2);
    expect(w.events.length).toBe(events);
    expect(s.status.applied).toEqual([]);
    expect(w.hub.calls.slice(calls).every((c) => c.user === null && c.method !== "sslLogin")).toBe(true);
  });

  it("reads its inventory file once: a pass uses the inventory in memory, and writes the file only when it changes", async () => {
    const w = await world();
    const s = await w.sync();
    await s.run();
    const file = join(dir, "koji-content.json");
    const written = await readFile(file, "utf8");
    expect(JSON.parse(written)).toMatchObject({ owned: expect.arrayContaining(["target:t"]) as unknown, convergedRevision: w.set.revision });

    // The file says something else behind the running instance: its inventory does not change.
    await writeFile(file, JSON.stringify({ owned: [], convergedRevision: null }));
    const { t: _t, ...targets } = CONTENT.targets!;
    // Owned, t is deleted when git drops it; from the file's empty inventory it would be unmanaged.
    expect(await s.livePlan(fleetWith({ ...CONTENT, targets }))).toEqual({ lines: ["- target t (no longer declared)"] });
    // Drift at the revision the memory says converged is told as drift (the file says none converged).
    w.content.apply([{ method: "editTag2", args: ["child"], kwargs: { arches: "aarch64" }, lines: [], creates: [], deletes: [] }]);
    w.events.length = 0;
    await s.run();
    expect(kinds(w.events)).toEqual(["koji-drift warning", "koji-changed info"]);
    // Nothing changed in the inventory: the file was not written.
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({ owned: [], convergedRevision: null });

    // A pass reads nothing from disk: in place of the file a directory, which no read could take.
    await rm(file);
    await mkdir(file);
    await s.run();
    expect(s.status.failures).toEqual([]);
    expect((await stat(file)).isDirectory()).toBe(true);

    // A change of the inventory is written, whole, from memory.
    await rm(file, { recursive: true });
    w.set.fleet = fleetWith({ ...CONTENT, targets });
    w.set.revision = "b".repeat(40);
    await s.run();
    expect(w.content.targets.size).toBe(0);
    const after = JSON.parse(await readFile(file, "utf8")) as { owned: string[]; convergedRevision: string };
    expect(after.convergedRevision).toBe("b".repeat(40));
    expect(after.owned).toEqual(JSON.parse(written).owned.filter((o: string) => o !== "target:t"));
  });

  it("livePlan: a revision's content against the live hub and the inventory, read anonymously, nothing written", async () => {
    const w = await world();
    const s = await w.sync();
    await s.run();
    const calls = w.hub.calls.length;
    const next: KojiContentInFleet = { ...CONTENT, tags: { ...CONTENT.tags, child: { arches: ["x86_64", "aarch64"], inheritance: [{ parent: "parent", priority: 0 }] }, extra: {} } };
    delete (next as { targets?: unknown }).targets;
    expect(await s.livePlan(fleetWith(next))).toEqual({
      lines: ["~ tag child: arches x86_64 → x86_64 aarch64", "+ tag extra", "- target t (no longer declared)"],
    });
    expect(w.hub.calls.slice(calls).every((c) => c.user === null && c.method !== "sslLogin")).toBe(true);
    expect(await s.livePlan(fleetWith(CONTENT))).toEqual({ lines: [] });
    expect(w.content.tags.get("child")?.arches).toBe("x86_64");
    expect(await s.livePlan(fleetWith(undefined))).toBeUndefined();
    await w.hub.close();
    expect(await s.livePlan(fleetWith(CONTENT))).toEqual({ lines: [], error: expect.stringContaining("") as unknown });
  });

  it("does nothing for a revision that declares no koji.content", async () => {
    const w = await world();
    w.set.fleet = fleetWith(undefined);
    const s = await w.sync();
    await s.run();
    expect(w.hub.requests).toEqual([]);
    expect(s.status).toMatchObject({ declared: false, objects: [] });
  });

  it("drift at the converged revision, policy repair: a koji-drift warning, then the change back with its event", async () => {
    const w = await world();
    await (await w.sync()).run();
    w.events.length = 0;
    w.content.apply([{ method: "editTag2", args: ["child"], kwargs: { arches: "aarch64" }, lines: [], creates: [], deletes: [] }]);
    const s = await w.sync();
    await s.run();
    expect(kinds(w.events)).toEqual(["koji-drift warning", "koji-changed info"]);
    expect(w.events[0]!.data).toEqual({ lines: ["~ tag child: arches aarch64 → x86_64"], policy: "repair" });
    expect(w.content.tags.get("child")?.arches).toBe("x86_64");
    expect(s.status.drift).toEqual(["~ tag child: arches aarch64 → x86_64"]);
    expect(s.status.pending).toEqual([]);
  });

  it("drift with policy report: the event once, nothing changed, no login; the object shows pending", async () => {
    const w = await world();
    w.set.fleet = fleetWith({ ...CONTENT, drift: "report" });
    await (await w.sync()).run();
    w.events.length = 0;
    w.content.apply([{ method: "editTag2", args: ["child"], kwargs: { arches: "aarch64" }, lines: [], creates: [], deletes: [] }]);
    const s = await w.sync();
    const logins = () => w.hub.calls.filter((c) => c.method === "sslLogin").length;
    const before = logins();
    await s.run();
    await s.run();
    expect(kinds(w.events)).toEqual(["koji-drift warning"]);
    expect(w.events[0]!.message).toMatch(/1 change\(s\) reported, not changed \(koji.content.drift: report\): ~ tag child: arches aarch64 → x86_64$/);
    expect(w.content.tags.get("child")?.arches).toBe("aarch64");
    expect(logins()).toBe(before);
    expect(s.status.pending).toEqual(["~ tag child: arches aarch64 → x86_64"]);
    expect(s.status.objects.find((o) => o.path === "tag child")).toEqual({ path: "tag child", declared: "present", state: "pending" });
    expect((await saved()).convergedRevision).toBe(w.set.revision);
  });

  it("a new revision's changes are applied whatever the policy, as changes, not drift; an owned object dropped from git is deleted after a restart, an unmanaged one left alone", async () => {
    const w = await world();
    w.set.fleet = fleetWith({ ...CONTENT, drift: "report" });
    await (await w.sync()).run();
    w.content.apply([{ method: "createTag", args: ["byhand"], kwargs: {}, lines: [], creates: [], deletes: [] }]);
    w.events.length = 0;
    const { t: _t, ...targets } = CONTENT.targets!;
    w.set.fleet = fleetWith({ ...CONTENT, drift: "report", targets });
    w.set.revision = "b".repeat(40);
    const s = await w.sync();
    await s.run();
    expect(kinds(w.events)).toEqual(["koji-changed info"]);
    expect(w.events[0]!.message).toBe("deleteBuildTarget: - target t (no longer declared)");
    expect(w.content.targets.size).toBe(0);
    expect(w.content.tags.has("byhand")).toBe(true);
    expect(s.status.unmanaged).toEqual(["? tag byhand"]);
    expect(s.status.objects.find((o) => o.path === "tag byhand")).toEqual({ path: "tag byhand", state: "unmanaged" });
    expect(await saved()).toMatchObject({ convergedRevision: "b".repeat(40) });
    expect((await saved()).owned).not.toContain("target:t");
  });

  it("a failure is a koji-failed error event, told once while it stays the same; the pass changed nothing", async () => {
    const w = await world("alice"); // a certificate whose user lacks admin
    const s = await w.sync();
    await s.run();
    await s.run();
    expect(kinds(w.events)).toEqual(["koji-failed error"]);
    expect(w.events[0]!.message).toMatch(/^Koji content not converged: sslLogin: Koji login as alice succeeded but that user lacks the 'admin' permission/);
    expect(s.status.failures).toMatchObject([{ method: "sslLogin", code: "KF_ERR_FORBIDDEN" }]);
    expect(w.content.tags.size).toBe(0);
    expect(s.status.objects.every((o) => o.state === "pending")).toBe(true);
  });
});
