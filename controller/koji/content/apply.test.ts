// convergeContent against the fake hub over real HTTPS, its content a ContentHub with Koji's
// semantics: converge → re-run (reads only, no login) → drop from git → converge; a call the hub
// refuses ends the pass.
import { afterEach, describe, expect, it } from "vitest";
import { FakeKojiHub } from "../../../test/support/fake-koji-hub.js";
import { ContentHub, KNOWN } from "../../../test/support/koji-content-hub.js";
import { credentialFiles } from "../../../shared/koji/credentials.js";
import { KojiSession, type KojiCaller } from "../../../shared/koji/session.js";
import type { KojiContent } from "../../config/koji-content-schema.js";
import { desiredContentOf } from "./desired.js";
import { contentScope, convergeContent } from "./apply.js";
import { keys } from "./calls.js";

const CONTENT: KojiContent = {
  users: { alice: { permissions: ["tag"] } },
  external_repos: { cs10: { url: "https://example.org/$arch/" } },
  tags: {
    child: { arches: ["x86_64"], inheritance: [{ parent: "parent", priority: 0 }], external_repos: [{ repo: "cs10", priority: 5 }], groups: [{ name: "build", packages: ["bash"] }] },
    parent: { packages: [{ name: "foo", owner: "alice" }] },
  },
  targets: { t: { build_tag: "child", dest_tag: "parent" } },
};
const desired = (c: KojiContent) => desiredContentOf(c, KNOWN);

const hubs: FakeKojiHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((h) => h.close()));
});
async function serve(content = new ContentHub()): Promise<{ hub: FakeKojiHub; content: ContentHub; session: KojiSession }> {
  const hub = await FakeKojiHub.start({ content });
  hubs.push(hub);
  const session = new KojiSession({ hubUrl: hub.url, credentials: credentialFiles({ caFile: hub.caFile, certFile: await hub.clientPem("kojiadmin") }), requirePermission: "admin" });
  return { hub, content, session };
}
const writes = (hub: FakeKojiHub) => hub.calls.filter((c) => c.inMultiCall !== true && !["multiCall", "sslLogin", "getUserPerms", "logout"].includes(c.method));

describe("convergeContent", () => {
  it("first pass makes the plan's calls as the admin (a created tag's id resolved for its inheritance), then nothing is left; a second pass reads only, without logging in", async () => {
    const { hub, content, session } = await serve();
    const first = await convergeContent(session, desired(CONTENT), { owned: new Set(), write: true });
    expect(first.failure).toBeNull();
    expect(first.left.calls).toEqual([]);
    expect(first.applied.map((c) => c.method)).toEqual(first.found.calls.map((c) => c.method));
    expect(writes(hub).map((c) => c.method)).toEqual(first.found.calls.map((c) => c.method));
    expect(writes(hub).every((c) => c.user === "kojiadmin")).toBe(true);
    // setInheritanceData names the parent by the id createTag answered
    const link = writes(hub).find((c) => c.method === "setInheritanceData")!;
    expect((link.params[1] as Array<{ parent_id: number }>)[0]!.parent_id).toBe(content.tags.get("parent")!.id);
    expect(content.links.get("child")?.map((l) => l.parent)).toEqual(["parent"]);
    expect(first.loggedIn).toBe(true);
    expect(hub.openSessions).toBe(0);
    expect([...first.owned]).toContain(keys.tag("child"));

    const before = hub.requests.length;
    const callsBefore = hub.calls.length;
    const second = await convergeContent(session, desired(CONTENT), { owned: first.owned, write: true });
    expect(second.found.calls).toEqual([]);
    expect(second.applied).toEqual([]);
    expect(second.loggedIn).toBe(false);
    expect(hub.calls.slice(callsBefore).every((c) => c.user === null && c.method !== "sslLogin")).toBe(true);
    expect(hub.requests.length - before).toBe(2); // the listings, then every detail read
  });

  it("write: false plans only: the difference is left, nothing is sent, no login", async () => {
    const { hub, content, session } = await serve();
    const r = await convergeContent(session, desired(CONTENT), { owned: new Set(), write: false });
    expect(r.found.calls.length).toBeGreaterThan(0);
    expect(r.left).toBe(r.found);
    expect(r.loggedIn).toBe(false);
    expect(hub.calls.some((c) => c.method === "sslLogin")).toBe(false);
    expect(content.tags.size).toBe(0);
  });

  it("a call the hub refuses ends the pass: reported with its line and the hub's fault, no later call made, the inventory holds only what succeeded", async () => {
    const { hub, content, session } = await serve();
    // Someone creates tag parent by hand between the read and the writes.
    const racing: KojiCaller = Object.assign(Object.create(session) as KojiCaller, {
      sslLogin: async () => {
        await session.sslLogin();
        content.apply([{ method: "createTag", args: ["parent"], kwargs: {}, lines: [], creates: [], deletes: [] }]);
      },
    });
    const r = await convergeContent(racing, desired(CONTENT), { owned: new Set(), write: true });
    expect(r.failure).toMatchObject({ method: "createTag", lines: ["+ tag parent"], code: "KF_ERR_RESOURCE" });
    expect(r.failure?.error).toMatch(/createTag at https:\/\/localhost:\d+\/kojihub: Koji fault 1000: A tag with the name 'parent' already exists/);
    const made = writes(hub).map((c) => c.method);
    expect(made[made.length - 1]).toBe("createTag");
    expect(made).not.toContain("setInheritanceData");
    expect(r.applied.map((c) => c.method)).toEqual(made.slice(0, -1));
    expect(r.owned.has(keys.user("alice"))).toBe(true);
    expect(r.owned.has(keys.tag("parent"))).toBe(false);
    // What is left was read again after the failure: parent exists now (declared, so managed), child is still to create.
    expect(r.left.calls.filter((c) => c.method === "createTag").map((c) => c.args[0])).toEqual(["child"]);
  });

  it("an owned object git no longer lists is deleted; one made by hand is reported and left alone", async () => {
    const { hub, content, session } = await serve();
    const first = await convergeContent(session, desired(CONTENT), { owned: new Set(), write: true });
    content.apply([{ method: "createTag", args: ["byhand"], kwargs: {}, lines: [], creates: [], deletes: [] }]);
    const { t: _t, ...targets } = CONTENT.targets!;
    const { child: _c, ...tags } = CONTENT.tags!;
    const dropped: KojiContent = { ...CONTENT, tags, targets };
    const r = await convergeContent(session, desired(dropped), { owned: first.owned, write: true });
    expect(r.failure).toBeNull();
    expect(r.applied.flatMap((c) => c.lines)).toEqual(["- target t (no longer declared)", "- tag child (no longer declared)"]);
    expect(r.found.unmanaged).toEqual(["? tag byhand"]);
    expect([...content.tags.keys()].sort()).toEqual(["byhand", "parent"]);
    expect(r.owned.has(keys.tag("child"))).toBe(false);
    expect(writes(hub).some((c) => c.params[0] === "byhand")).toBe(false);
  });
});

describe("contentScope", () => {
  it("reads in detail the declared tags and users and those the inventory holds", () => {
    expect(contentScope(desired(CONTENT), [keys.tag("old"), keys.groupPackage("old2", "g", "p"), keys.permission("bob", "tag"), keys.externalRepo("r")])).toEqual({
      tags: ["child", "old", "old2", "parent"],
      users: ["alice", "bob"],
    });
  });
});
