// Nothing on the bus can make an agent run what the controller did not sign for that host.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm, type KV } from "@nats-io/kv";
import { TestFleet, HOSTS, snapshot, changedPaths } from "./support/fleet.js";
import { waitFor } from "./support/wait.js";
import { Signer, generateSigningKeyPem } from "../shared/signing.js";
import { BUCKET_DESIRED } from "../shared/names.js";
import type { Catalog, FleetEvent } from "../shared/protocol.js";

describe("signed catalogs", () => {
  let fleet: TestFleet;
  let nc: NatsConnection;
  let desired: KV;
  const HOST = "cs10-koji-03";

  beforeAll(async () => {
    fleet = await TestFleet.start();
    await fleet.waitReady((await fleet.remote.git("rev-parse", "HEAD")).trim());
    nc = await connect({ servers: fleet.nats.url });
    desired = await new Kvm(nc).open(BUCKET_DESIRED);
  });
  afterAll(async () => {
    await nc?.close();
    await fleet?.stop();
  });

  const current = async (host: string): Promise<Catalog> => (await desired.get(host))!.json<Catalog>();
  const tamperContent = (c: Catalog): Catalog => ({
    ...c,
    resources: c.resources.map((r) => (r.kind === "file" ? { ...r, props: { ...r.props, content: "owned\n" } } : r)),
  });

  const attacks: [string, () => Promise<Catalog>, RegExp][] = [
    ["a tampered catalog (content changed after signing)", async () => {
      const c = await current(HOST);
      return tamperContent({ ...c, generation: c.generation + 1 });
    }, /signature does not verify/],
    ["a catalog signed by another key", async () => {
      const c = await current(HOST);
      const { signature: _s, ...body } = c;
      return new Signer(generateSigningKeyPem()).sign(tamperContent({ ...body, generation: c.generation + 1 }));
    }, /signed by key [0-9a-f]{16}, but this host trusts key/],
    ["an unsigned catalog", async () => {
      const { signature: _s, ...body } = await current(HOST);
      return { ...body, generation: body.generation + 1 };
    }, /not signed/],
    ["another host's catalog, validly signed, under this host's key", async () => current("cs10-koji-02"), /catalog for host cs10-koji-02 refused by cs10-koji-03/],
    ["a replay of this host's own catalog at an older generation", async () => {
      // Publish a newer generation for real (a pushed change), then replay the older one.
      const before = await current(HOST);
      const yaml = (await fleet.remote.git("show", "HEAD:fleet.yaml")).replace("capacity: 4.0", "capacity: 4.0\n      maxjobs: 9");
      await fleet.waitReady(await fleet.push("maxjobs 9", { "fleet.yaml": yaml }));
      return before;
    }, /generation \d+ is not newer than \d+/],
  ];

  it.each(attacks)("%s → refused, nothing on disk changes, a security event is visible", async (_name, make, reason) => {
    const bad = await make();
    const trees = await Promise.all(HOSTS.map((h) => snapshot(fleet.root(h))));
    const seen = (await fleet.api<{ events: FleetEvent[] }>(`/api/v1/events?host=${HOST}&type=security`)).events.length;
    await desired.put(HOST, JSON.stringify(bad));
    const events = await waitFor(async () => {
      const e = (await fleet.api<{ events: FleetEvent[] }>(`/api/v1/events?host=${HOST}&type=security`)).events;
      return e.length > seen ? e : false;
    }, { message: "a security event" });
    expect(events.at(-1)?.message).toMatch(reason);
    const view = await waitFor(async () => (await fleet.hosts()).find((h) => h.host === HOST && h.phase === "Failed"), { message: `${HOST} Failed` });
    expect(view.conditions[0]?.reason).toBe("CatalogRejected");
    for (const [i, h] of HOSTS.entries()) expect(changedPaths(trees[i]!, await snapshot(fleet.root(h)))).toEqual([]);
    // The controller puts the catalog back: the next good catalog is accepted again.
    await desired.put(HOST, JSON.stringify(fleet.controller.fleet.desired.get(HOST)));
    await waitFor(async () => (await fleet.hosts()).find((h) => h.host === HOST)?.phase === "Ready", { message: `${HOST} Ready again` });
  });
});
