// kf-desired read back at a controller's start (a restart, a failover), on a real nats-server:
// each host's last catalog, nothing for a deleted key or an entry that does not decode, and
// each key's revision, so that the new leader's fenced puts land where nobody wrote since.
import { describe, expect, it } from "vitest";
import { Kvm } from "@nats-io/kv";
import { useNatsConnection } from "../../test/support/nats.js";
import { silentLogger } from "../../shared/log.js";
import { BUCKET_DESIRED } from "../../shared/names.js";
import type { Catalog } from "../../shared/protocol.js";
import { ControllerBus } from "./bus.js";

const catalog = (host: string, generation: number): Catalog => ({
  protocol: "kf.v1.catalog", revision: "0000001", generation, issuedAt: "2026-12-06T12:00:00.000Z", digest: `sha256:${"0".repeat(64)}`,
  host, roles: ["builder"], probes: [],
  resources: [{ id: `file:/etc/${host}`, kind: "file", props: { path: `/etc/${host}`, content: `${generation}` }, requires: [], notifies: [] }],
});

describe("ControllerBus.readDesired", () => {
  const link = useNatsConnection();

  it("an empty bucket: nothing, at once", async () => {
    const bus = await ControllerBus.open(link.nc, silentLogger());
    const read: string[] = [];
    await bus.readDesired((host) => read.push(host));
    expect(read).toEqual([]);
  });

  it("gives each host's last catalog, skips deleted keys and undecodable entries, and fences puts from the revisions it read", async () => {
    const writer = await ControllerBus.open(link.nc, silentLogger());
    for (let g = 1; g <= 3; g++) for (const h of ["a", "b", "c", "d", "e"]) await writer.putCatalog(catalog(h, g));
    const kv = await new Kvm(link.nc).open(BUCKET_DESIRED);
    await kv.delete("c");
    await kv.put("d", "{not json");
    await kv.purge("e");
    for (let i = 0; i < 150; i++) await writer.putCatalog(catalog(`many-${i}`, 1)); // more than one batch

    const leader = await ControllerBus.open(link.nc, silentLogger());
    const read = new Map<string, Catalog>();
    await leader.readDesired((host, c) => (c ? read.set(host, c) : read.delete(host)));
    expect(read.size).toBe(152);
    expect([read.get("a")?.generation, read.get("b")?.generation, read.has("c"), read.has("d"), read.has("e")]).toEqual([3, 3, false, false, false]);
    expect(read.get("many-149")?.host).toBe("many-149");

    leader.fenceWith(() => true);
    // Nobody wrote since the read: the puts land, on a deleted key too.
    await leader.putCatalog(catalog("a", 4));
    await leader.putCatalog(catalog("c", 4));
    // Another controller wrote b after the read: the put is refused.
    await writer.putCatalog(catalog("b", 9));
    await expect(leader.putCatalog(catalog("b", 4))).rejects.toThrow(/written by another controller/);
  });

  it("a bucket whose every key was deleted or purged: no catalog, and the read ends", async () => {
    const kv = await new Kvm(link.nc).open(BUCKET_DESIRED);
    for await (const key of await kv.keys()) await ((key.length % 2 === 0) ? kv.delete(key) : kv.purge(key));
    const bus = await ControllerBus.open(link.nc, silentLogger());
    const calls: [string, boolean][] = [];
    await bus.readDesired((host, c) => calls.push([host, c !== null]));
    expect(calls.length).toBeGreaterThanOrEqual(152);
    expect(calls.filter(([, has]) => has)).toEqual([]);
  });
});
