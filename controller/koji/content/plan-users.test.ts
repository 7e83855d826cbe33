import { describe, expect, it } from "vitest";
import type { KojiContent } from "../../config/koji-content-schema.js";
import { ContentHub, convergedHub, step } from "../../../test/support/koji-content-hub.js";

const calls = (s: ReturnType<typeof step>) => s.plan.calls.map((c) => [c.method, c.args, c.kwargs]);
const PEOPLE: KojiContent = { users: { kojiadmin: { permissions: ["admin"] }, alice: { permissions: ["build", "tag"] } } };

describe("users and permissions", () => {
  it("a new user with permissions: createUser, then grantPermission (create=True for a permission the hub lacks)", () => {
    const s = step(new ContentHub(), PEOPLE);
    expect(calls(s)).toEqual([
      ["createUser", ["alice"], {}],
      ["grantPermission", ["alice", "build"], { create: true }],
      ["grantPermission", ["alice", "tag"], {}],
    ]);
    expect(s.lines).toEqual(["+ user alice", "+ user alice permission build (new permission)", "+ user alice permission tag"]);
    expect(s.again.calls).toEqual([]);
  });

  it("a permission granted, one revoked (state: absent), one dropped, one granted by hand reported", () => {
    const { hub, owned } = convergedHub(PEOPLE);
    hub.call_grantPermission(["alice", "sign"], {});
    const s = step(hub, { users: { kojiadmin: { permissions: ["admin"] }, alice: { permissions: ["target", { name: "tag", state: "absent" }] } } }, owned);
    expect(calls(s)).toEqual([
      ["grantPermission", ["alice", "target"], {}],
      ["revokePermission", ["alice", "tag"], {}],
      ["revokePermission", ["alice", "build"], {}],
    ]);
    expect(s.lines).toEqual(["+ user alice permission target", "- user alice permission tag", "- user alice permission build (no longer declared)", "? user alice permission sign"]);
    expect(s.again.calls).toEqual([]);
  });

  it("absent or dropped users are disabled, last (Koji cannot delete a user), and stay owned", () => {
    const { hub, owned } = convergedHub({ users: { alice: { permissions: ["tag"] }, bob: {} } });
    const s = step(hub, { users: { alice: { state: "absent" } } }, owned);
    expect(calls(s)).toEqual([
      ["disableUser", ["alice"], {}],
      ["disableUser", ["bob"], {}],
    ]);
    expect(s.lines).toEqual(["- user alice (disabled: Koji cannot delete a user)", "- user bob (no longer declared) (disabled: Koji cannot delete a user)"]);
    expect([s.again.calls, s.again.unmanaged]).toEqual([[], []]);
    const back = step(hub, { users: { alice: {} } }, s.owned);
    // Re-enabled; the permission koji-fleet granted before and git no longer lists goes.
    expect(back.lines).toEqual(["~ user alice: status disabled → enabled", "- user alice permission tag (no longer declared)"]);
  });

  it("users created by hand (or by LoginCreatesUser) are reported; admin and kojira are fleet.yaml's", () => {
    const hub = new ContentHub();
    hub.call_createUser(["carol"]);
    expect(step(hub, {}).plan.unmanaged).toEqual(["? user carol"]);
  });
});

describe("channels, content generators, btypes", () => {
  it("a new channel, then a description change and a re-enable; builders' and Koji's channels are never reported", () => {
    const hub = new ContentHub();
    const s = step(hub, { channels: { secure: { description: "signed builds" } } });
    expect(calls(s)).toEqual([["addChannel", ["secure"], { description: "signed builds" }]]);
    hub.call_disableChannel(["secure"]);
    const changed = step(hub, { channels: { secure: { description: "signed builds only" } } }, s.owned);
    expect(calls(changed)).toEqual([
      ["enableChannel", ["secure"], {}],
      ["editChannel", ["secure"], { description: "signed builds only" }],
    ]);
    expect(changed.lines).toEqual(["~ channel secure: enabled false → true, description signed builds → signed builds only"]);
    expect([changed.again.calls, changed.again.unmanaged]).toEqual([[], []]);
  });

  it("a channel with state: absent is disabled; one added by hand is reported", () => {
    const { hub, owned } = convergedHub({ channels: { secure: {} } });
    hub.call_addChannel(["by-hand"], {});
    const s = step(hub, { channels: { secure: { state: "absent" } } }, owned);
    expect(s.lines).toEqual(["- channel secure (disabled: Koji cannot delete a channel)", "? channel by-hand"]);
    expect(s.again.calls).toEqual([]);
  });

  it("content generator access: grantCGAccess(user, cg, create=True) for a new CG, revokeCGAccess when absent or dropped", () => {
    const hub = new ContentHub();
    const s = step(hub, { users: { alice: {}, bob: {} }, content_generators: { debian: { users: ["alice", "bob"] } } });
    expect(calls(s).filter(([m]) => m === "grantCGAccess")).toEqual([
      ["grantCGAccess", ["alice", "debian"], { create: true }],
      ["grantCGAccess", ["bob", "debian"], {}],
    ]);
    expect(s.again.calls).toEqual([]);
    const less = step(hub, { users: { alice: {}, bob: {} }, content_generators: { debian: { users: [{ name: "alice", state: "absent" }] } } }, s.owned);
    expect(less.lines).toEqual(["- content-generator debian user alice", "- content-generator debian user bob (no longer declared)"]);
    expect(less.again.calls).toEqual([]);
  });

  it("access granted by hand is reported, per user in a declared CG, per CG otherwise", () => {
    const { hub, owned } = convergedHub({ users: { alice: {} }, content_generators: { debian: { users: ["alice"] } } });
    hub.call_grantCGAccess(["kojiadmin", "debian"], {});
    hub.call_grantCGAccess(["kojiadmin", "osbuild"], { create: true });
    const s = step(hub, { users: { alice: {} }, content_generators: { debian: { users: ["alice"] } } }, owned);
    expect(s.plan.unmanaged).toEqual(["? content-generator debian user kojiadmin", "? content-generator osbuild users=kojiadmin"]);
  });

  it("a btype is added once; Koji's own are never reported; a dropped one cannot be deleted", () => {
    const hub = new ContentHub();
    const s = step(hub, { btypes: ["deb"] });
    expect(calls(s)).toEqual([["addBType", ["deb"], {}]]);
    expect(s.again.calls).toEqual([]);
    const dropped = step(hub, {}, s.owned);
    expect([dropped.plan.calls, dropped.plan.unmanaged]).toEqual([[], ["? btype deb (no longer declared; Koji cannot delete a btype)"]]);
  });
});
