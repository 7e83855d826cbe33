// convergeKojiObjects against the fake hub over real HTTPS: converge → re-run (reads only) →
// change git → converge → break the hub by hand → converge heals it.
import { Value } from "@sinclair/typebox/value";
import { afterEach, describe, expect, it } from "vitest";
import { ResourceResultSchema } from "../../shared/protocol.js";
import { FakeKojiHub, READ_METHODS } from "../../test/support/fake-koji-hub.js";
import { READ_FAILED, convergeKojiObjects, kojiraPermitted, registeredBuilders } from "./converge.js";
import type { DesiredBuilder, DesiredKojiObjects } from "./objects.js";
import { credentialFiles } from "../../shared/koji/credentials.js";
import { KojiSession, type KojiCaller } from "../../shared/koji/session.js";

const B = "cs10-koji-03.mx-os";
const builder = (over: Partial<DesiredBuilder> = {}): DesiredBuilder => ({ name: B, arches: ["x86_64"], channels: ["default", "createrepo"], capacity: 2, enabled: true, ...over });
const desired = (builders: DesiredBuilder[] = [builder()]): DesiredKojiObjects => ({ kojiraUser: "kojira", builders });

const hubs: FakeKojiHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((h) => h.close()));
});
async function start(): Promise<{ hub: FakeKojiHub; session: KojiSession }> {
  const hub = await FakeKojiHub.start();
  hubs.push(hub);
  return { hub, session: await sessionAs(hub, "kojiadmin") };
}
/** The controller's session: logged in with `cn`'s certificate, which must hold admin. */
const sessionAs = async (hub: FakeKojiHub, cn: string, requirePermission: string | null = "admin") =>
  new KojiSession({ hubUrl: hub.url, credentials: credentialFiles({ caFile: hub.caFile, certFile: await hub.clientPem(cn) }), ...(requirePermission !== null && { requirePermission }) });
const outcomes = (r: { results: { id: string; outcome: string; changes: string[]; error?: string }[] }) =>
  Object.fromEntries(r.results.map((x) => [x.id, x.error ? [x.outcome, ...x.changes, `! ${x.error}`] : [x.outcome, ...x.changes]]));
const hostState = (hub: FakeKojiHub, name = B) => {
  const h = hub.hosts.get(name);
  return h && { arches: h.arches, capacity: h.capacity, enabled: h.enabled, channels: [...h.channels] };
};

describe("convergeKojiObjects", () => {
  it("first run creates kojira with repo and registers the builder with arches and channels; second run only reads", async () => {
    const { hub, session } = await start();
    const first = await convergeKojiObjects(session, desired([builder({ arches: ["x86_64", "aarch64"] })]));
    expect(outcomes(first)).toEqual({
      "koji-user:kojira": ["changed", "createUser kojira", "grantPermission kojira repo"],
      [`koji-host:${B}`]: ["changed", `addHost ${B} [x86_64 aarch64]`, `addHostToChannel ${B} createrepo`],
    });
    expect([...(hub.users.get("kojira")?.perms ?? [])]).toEqual(["repo"]);
    expect(hub.users.get(B)?.usertype).toBe(1); // a HOST user, so kojid's login is a host login
    expect(hostState(hub)).toEqual({ arches: "x86_64 aarch64", capacity: 2, enabled: true, channels: ["default", "createrepo"] });
    // read all → log in (admin check) → write per object → re-read it → log out
    expect(hub.calls.map((c) => c.method)).toEqual([
      "getUser", "getHost",
      "sslLogin", "getUserPerms", "createUser", "grantPermission", "getUser", "getUserPerms",
      "addHost", "addHostToChannel", "getHost", "listChannels",
      "logout",
    ]);
    expect(hub.calls.find((c) => c.method === "sslLogin")?.tls).toBe("TLSv1.2");
    expect(hub.calls.filter((c) => !READ_METHODS.has(c.method) && c.method !== "sslLogin" && c.method !== "logout").every((c) => c.user === "kojiadmin")).toBe(true);
    expect(registeredBuilders(first.results)).toEqual(new Set([B]));
    expect(kojiraPermitted(first.results, "kojira")).toBe(true);
    expect(hub.openSessions).toBe(0);
    expect(first.results.every((r) => Value.Check(ResourceResultSchema, r))).toBe(true); // the agent's wire shape

    const before = hub.calls.length;
    const second = await convergeKojiObjects(session, desired([builder({ arches: ["x86_64", "aarch64"] })]));
    expect(outcomes(second)).toEqual({ "koji-user:kojira": ["unchanged"], [`koji-host:${B}`]: ["unchanged"] });
    const calls = hub.calls.slice(before);
    expect(calls.map((c) => c.method)).toEqual(["getUser", "getUserPerms", "getHost", "listChannels"]);
    expect(calls.every((c) => READ_METHODS.has(c.method) && c.user === null)).toBe(true);
    expect(kojiraPermitted(second.results, "kojira")).toBe(true);
  });

  it("capacity changed in git → exactly one editHost", async () => {
    const { hub, session } = await start();
    await convergeKojiObjects(session, desired());
    const before = hub.calls.length;
    const r = await convergeKojiObjects(session, desired([builder({ capacity: 4 })]));
    expect(outcomes(r)).toEqual({ "koji-user:kojira": ["unchanged"], [`koji-host:${B}`]: ["changed", `editHost ${B} capacity 2 → 4`] });
    const writes = hub.calls.slice(before).filter((c) => !READ_METHODS.has(c.method) && c.method !== "sslLogin" && c.method !== "logout");
    expect(writes.map((c) => [c.method, c.params])).toEqual([["editHost", [B, { capacity: 4, __starstar: true }]]]);
    expect(hostState(hub)?.capacity).toBe(4);
  });

  it("builder removed from git → disableHost, never deleted; hosts koji-fleet never registered are not touched", async () => {
    const { hub, session } = await start();
    const first = await convergeKojiObjects(session, desired());
    hub.addUser("manual.example", [], 1);
    const before = hub.calls.length;
    const r = await convergeKojiObjects(session, desired([]), { owned: registeredBuilders(first.results) });
    expect(outcomes(r)).toEqual({ "koji-user:kojira": ["unchanged"], [`koji-host:${B}`]: ["changed", `disableHost ${B} (no longer in fleet.yaml)`] });
    expect(hostState(hub)).toEqual({ arches: "x86_64", capacity: 2, enabled: false, channels: ["default", "createrepo"] });
    expect(hub.calls.slice(before).some((c) => c.params.includes("manual.example"))).toBe(false);
    // Disabled is still registered: kojid may keep its gate, Koji just gives it no tasks.
    expect(registeredBuilders(r.results)).toEqual(new Set([B]));
  });

  it("drift by hand (host disabled, left createrepo) → enableHost and addHostToChannel heal it", async () => {
    const { hub, session } = await start();
    await convergeKojiObjects(session, desired());
    const h = hub.hosts.get(B)!;
    h.enabled = false;
    h.channels.delete("createrepo");
    const r = await convergeKojiObjects(session, desired());
    expect(outcomes(r)[`koji-host:${B}`]).toEqual(["changed", `addHostToChannel ${B} createrepo`, `enableHost ${B}`]);
    expect(hostState(hub)).toMatchObject({ enabled: true, channels: ["default", "createrepo"] });
  });

  it("noop: would-change, no login and no writes", async () => {
    const { hub, session } = await start();
    const r = await convergeKojiObjects(session, desired(), { noop: true });
    expect(outcomes(r)).toEqual({
      "koji-user:kojira": ["would-change", "createUser kojira", "grantPermission kojira repo"],
      [`koji-host:${B}`]: ["would-change", `addHost ${B} [x86_64]`, `addHostToChannel ${B} createrepo`],
    });
    expect(hub.calls.every((c) => READ_METHODS.has(c.method))).toBe(true);
    expect(registeredBuilders(r.results)).toEqual(new Set());
    expect(kojiraPermitted(r.results, "kojira", true)).toBe(false); // would-change: not granted yet
  });

  it("kojid logged in before addHost (docs/pitfalls.md#pitfall-2) → the host fails with the fix named, kojira still converges", async () => {
    const { hub, session } = await start();
    const kojid = await sessionAs(hub, B, null); // kojid's own login: no admin
    await kojid.sslLogin(); // LoginCreatesUser: a NORMAL user named like the builder
    const r = await convergeKojiObjects(session, desired());
    expect(r.results.find((x) => x.id === "koji-user:kojira")?.outcome).toBe("changed");
    const host = r.results.find((x) => x.id === `koji-host:${B}`);
    expect(host).toMatchObject({ outcome: "failed", changes: [], errorCode: "KF_ERR_RESOURCE" });
    expect(host?.error).toBe(
      `addHost ${B} [x86_64]: addHost at ${hub.url}: Koji fault 1000: user ${B} already exists and it is not a host` +
        " (kojid on this builder logged in before koji-fleet registered it, docs/pitfalls.md#pitfall-2: after checking that user, run koji add-host --force with the builder's name and arches)",
    );
    expect(registeredBuilders(r.results)).toEqual(new Set());
  });

  it("a hub that accepts a write but does not apply it → failed: still differs after apply", async () => {
    const { session } = await start();
    await convergeKojiObjects(session, desired());
    const lying: KojiCaller = {
      get loggedIn() {
        return session.loggedIn;
      },
      call: (method, ...params) => (method === "editHost" ? Promise.resolve(true) : session.call(method, ...params)),
      sslLogin: () => session.sslLogin(),
      logout: () => session.logout(),
    };
    const r = await convergeKojiObjects(lying, desired([builder({ capacity: 8 })]));
    expect(outcomes(r)[`koji-host:${B}`]).toEqual(["failed", `editHost ${B} capacity 2 → 8`, `! still differs after apply: editHost ${B} capacity 2 → 8`]);
    expect(registeredBuilders(r.results)).toEqual(new Set([B]));
  });

  it("hub unreachable → every object failed as unreadable (KF_ERR_NOT_READY); registration keeps its previous value", async () => {
    const { hub } = await start();
    const down = new KojiSession({ hubUrl: "https://127.0.0.1:1/kojihub", credentials: credentialFiles({ caFile: hub.caFile }) });
    const r = await convergeKojiObjects(down, desired());
    expect(r.results.map((x) => [x.id, x.outcome, x.errorCode, x.error?.startsWith(READ_FAILED)])).toEqual([
      ["koji-user:kojira", "failed", "KF_ERR_NOT_READY", true],
      [`koji-host:${B}`, "failed", "KF_ERR_NOT_READY", true],
    ]);
    expect(registeredBuilders(r.results, new Set([B]))).toEqual(new Set([B]));
    expect(registeredBuilders(r.results)).toEqual(new Set());
    expect([kojiraPermitted(r.results, "kojira", true), kojiraPermitted(r.results, "kojira", false)]).toEqual([true, false]);
  });

  it("login refused (not an admin) → writes fail naming the first call not made; reads still report", async () => {
    const { hub } = await start();
    const bob = await sessionAs(hub, "bob");
    const r = await convergeKojiObjects(bob, desired());
    expect(r.results.map((x) => [x.outcome, x.errorCode])).toEqual([
      ["failed", "KF_ERR_FORBIDDEN"],
      ["failed", "KF_ERR_FORBIDDEN"],
    ]);
    expect(kojiraPermitted(r.results, "kojira", true)).toBe(false); // read: kojira lacks repo
    expect(r.results[1]?.error).toMatch(new RegExp(`^addHost ${B} \\[x86_64\\]: not applied, Koji login as bob succeeded but that user lacks the 'admin' permission`));
    expect(hub.calls.filter((c) => c.method === "sslLogin")).toHaveLength(1); // one attempt per converge, not per object
    expect(hub.hosts.size).toBe(0);
  });
});
