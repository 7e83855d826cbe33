// The controller registers builders in Koji before their kojid may start
// (docs/pitfalls.md#pitfall-2): a builder's catalog opens the koji-host-registered gate only after
// addHost went through.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "@nats-io/transport-node";
import { Kvm, type KvEntry } from "@nats-io/kv";
import { readFile } from "node:fs/promises";
import { parseDocument } from "yaml";
import { EXAMPLE_FLEET, TestFleet } from "./support/fleet.js";
import { FakeKojiHub } from "./support/fake-koji-hub.js";
import { waitFor } from "./support/wait.js";
import { BUCKET_DESIRED } from "../shared/names.js";
import type { Catalog, ResourceResult } from "../shared/protocol.js";

const BUILDER = "cs10-koji-03";
const gateOf = (c: Catalog) => c.resources.find((r) => r.id === "gate:koji-host-registered")?.props.open;

describe("builder registration in Koji", () => {
  let hub: FakeKojiHub;
  let fleet: TestFleet;

  beforeAll(async () => {
    hub = await FakeKojiHub.start();
    // The Koji objects alone: this hub serves no content (controller/koji/content-sync.test.ts does).
    const doc = parseDocument(await readFile(EXAMPLE_FLEET, "utf8"));
    doc.deleteIn(["koji", "content"]);
    fleet = await TestFleet.start({
      fleetYaml: doc.toString(),
      controller: { koji: { hubUrl: hub.url, caFile: hub.caFile, adminCertFile: await hub.clientPem("kojiadmin"), intervalSeconds: 5 } },
    });
  });
  afterAll(async () => {
    await fleet?.stop();
    await hub?.close();
  });

  it("creates kojira with repo, adds the builder with its arches and channels, then opens its gate in a later catalog", async () => {
    await waitFor(() => gateOf(fleet.controller.fleet.desired.get(BUILDER) ?? ({ resources: [] } as never)) === true, { timeoutMs: 20_000, message: "gate open" });
    expect(hub.users.get("kojira")?.perms.has("repo")).toBe(true);
    const host = hub.hosts.get(`${BUILDER}.mx-os`)!;
    expect({ arches: host.arches, channels: [...host.channels].sort(), enabled: host.enabled }).toEqual({ arches: "x86_64", channels: ["createrepo", "default"], enabled: true });
    const writes = hub.calls.filter((c) => ["createUser", "grantPermission", "addHost", "addHostToChannel"].includes(c.method)).map((c) => c.method);
    expect(writes).toEqual(["createUser", "grantPermission", "addHost", "addHostToChannel"]);

    // The builder's catalogs in kf-desired, oldest first: the gate is open only in those put after
    // addHost went through, and stays open. (The builder's first catalog waits for the hub host in
    // the bring-up order, so registration may be done by then: its first catalog is open.)
    const addHostAt = hub.calls.find((c) => c.method === "addHost")!.at;
    const nc = await connect({ servers: fleet.nats.url });
    const history: { open: boolean; putAt: number }[] = [];
    for await (const e of (await (await new Kvm(nc).open(BUCKET_DESIRED)).history({ key: BUILDER })) as AsyncIterable<KvEntry>) {
      if (e.operation === "PUT") history.push({ open: Boolean(gateOf(e.json<Catalog>())), putAt: e.created.getTime() });
    }
    await nc.close();
    expect(history.length).toBeGreaterThan(0);
    for (const { open, putAt } of history) if (open) expect(putAt).toBeGreaterThanOrEqual(addHostAt);
    const firstOpen = history.findIndex((h) => h.open);
    expect(firstOpen).toBeGreaterThanOrEqual(0);
    expect(history.slice(firstOpen).every((h) => h.open)).toBe(true);
  });

  it("reports Koji objects like resources in the API; a second pass writes nothing", async () => {
    const seen = hub.calls.length;
    await fleet.controller.kojiSync!.run();
    expect(hub.calls.slice(seen).map((c) => c.method).every((m) => ["getUser", "getUserPerms", "getHost", "listChannels"].includes(m))).toBe(true);
    const api = await fleet.api<{ enabled: boolean; registeredBuilders: string[]; results: ResourceResult[] }>("/api/v1/koji");
    expect(api.enabled).toBe(true);
    expect(api.registeredBuilders).toEqual([`${BUILDER}.mx-os`]);
    expect(api.results.map((r) => [r.id, r.outcome])).toEqual(expect.arrayContaining([["koji-user:kojira", "unchanged"], [`koji-host:${BUILDER}.mx-os`, "unchanged"]]));
  });
});
