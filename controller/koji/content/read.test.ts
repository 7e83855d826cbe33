// readContent against the fake hub over real HTTPS (XML-RPC, multiCall), its content a ContentHub
// with Koji's semantics: the reader's calls are bound against Koji 1.35's signatures there, so a
// wrong argument name or value is a fault, as on the real hub.
import { afterEach, describe, expect, it } from "vitest";
import { FakeKojiHub } from "../../../test/support/fake-koji-hub.js";
import { ContentHub, convergedHub } from "../../../test/support/koji-content-hub.js";
import { credentialFiles } from "../../../shared/koji/credentials.js";
import { KojiSession } from "../../../shared/koji/session.js";
import { KojiFault } from "../../../shared/koji/xmlrpc-codec.js";
import type { KojiContent } from "../../config/koji-content-schema.js";
import type { KojiCalls } from "../../../shared/koji/calls.js";
import { BATCH, readContent } from "./read.js";

const CONTENT: KojiContent = {
  users: { alice: { permissions: ["tag"] } },
  external_repos: { cs10: { url: "https://example.org/$arch/" } },
  tags: {
    child: { arches: ["x86_64"], extra: { "mock.new_chroot": 0 }, inheritance: [{ parent: "parent", priority: 0 }], external_repos: [{ repo: "cs10", priority: 5 }], groups: [{ name: "build", packages: ["bash"] }] },
    parent: { packages: [{ name: "foo", owner: "alice" }] },
  },
  targets: { t: { build_tag: "child", dest_tag: "parent" } },
};

const hubs: FakeKojiHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((h) => h.close()));
});
async function serve(content: ContentHub): Promise<{ hub: FakeKojiHub; session: KojiSession }> {
  const hub = await FakeKojiHub.start({ content });
  hubs.push(hub);
  return { hub, session: new KojiSession({ hubUrl: hub.url, credentials: credentialFiles({ caFile: hub.caFile, certFile: await hub.clientPem("kojiadmin") }) }) };
}

describe("readContent", () => {
  it("reads exactly what the hub holds, scoped: detail for the named tags and users that exist, anonymously, in two requests", async () => {
    const { hub: content } = convergedHub(CONTENT);
    const { hub, session } = await serve(content);
    const observed = await readContent(session, { tags: ["child", "missing"], users: ["alice", "nobody"] });
    const all = content.observe();
    expect(observed).toEqual({ ...all, tagDetails: { child: all.tagDetails.child }, userPerms: { alice: ["tag"] } });
    expect(observed.tagDetails.child!.groups[0]!.packagelist.map((p) => p.package)).toEqual(["bash"]);
    expect(hub.requests.length).toBe(2);
    expect(hub.calls.every((c) => c.user === null)).toBe(true);
    expect(hub.calls.filter((c) => c.inMultiCall).map((c) => c.method)).toEqual([
      "listTags", "listExternalRepos", "getBuildTargets", "listUsers", "getAllPerms", "listChannels", "listCGs", "listBTypes",
      "getTag", "getInheritanceData", "getTagExternalRepos", "getTagGroups", "listPackages", "getUserPerms",
    ]);
  });

  it("scope all reads every tag and every user", async () => {
    const { hub: content } = convergedHub(CONTENT);
    const { session } = await serve(content);
    const observed = await readContent(session, { tags: "all", users: "all" });
    expect(observed).toEqual(content.observe());
  });

  it(`batches the detail reads ${BATCH} calls a request`, async () => {
    const content = new ContentHub();
    content.apply(Array.from({ length: 30 }, (_, i) => ({ method: "createTag", args: [`t${i}`], kwargs: {}, lines: [], creates: [], deletes: [] })));
    const { hub, session } = await serve(content);
    const observed = await readContent(session, { tags: "all", users: [] });
    expect(Object.keys(observed.tagDetails)).toHaveLength(30);
    expect(hub.requests.length).toBe(1 + Math.ceil((30 * 5) / BATCH));
  });

  it("a fault inside the multiCall is thrown naming the call as Python would write it", async () => {
    const content = new ContentHub();
    content.apply([{ method: "createTag", args: ["t"], kwargs: {}, lines: [], creates: [], deletes: [] }]);
    const { session } = await serve(content);
    // A tag deleted between listTags and the detail reads.
    const racing: KojiCalls = {
      call: async (method, ...params) => {
        const answer = await session.call(method, ...params);
        if (Array.isArray(answer) && answer.length === 8) content.apply([{ method: "deleteTag", args: ["t"], kwargs: {}, lines: [], creates: [], deletes: [] }]);
        return answer;
      },
    };
    const err = await readContent(racing, { tags: ["t"], users: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^getTag\("t"\): unexpected answer from the hub \(\/ must be object\): null/);
  });

  const TAG = { name: "t", perm_id: null, perm: null, arches: null, locked: false, maven_support: false, maven_include_all: false };
  it("a misshapen answer is an error naming the call and the member", async () => {
    const hub: KojiCalls = {
      call: async (_m, calls) => (calls as unknown[]).map((c) => ((c as { methodName: string }).methodName === "listTags" ? [[{ ...TAG, id: "7" }]] : [[]])),
    };
    await expect(readContent(hub, { tags: [], users: [] })).rejects.toThrow(/^listTags\(\): unexpected answer from the hub \(\/0\/id must be integer\): \[\{"name":"t"/);
  });

  it("a hub fault on a whole request is thrown as the KojiFault", async () => {
    const hub = await FakeKojiHub.start({ offline: true });
    hubs.push(hub);
    const session = new KojiSession({ hubUrl: hub.url, credentials: credentialFiles({ caFile: hub.caFile, certFile: await hub.clientPem("kojiadmin") }) });
    const err = await readContent(session, { tags: [], users: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KojiFault);
    expect((err as KojiFault).faultCode).toBe(1014);
  });
});
