// What a controller restart or failover must leave in kf-desired: per host, generations only go
// up, `next` was published exactly once, and no catalog after it goes back to `before`.
import { expect } from "vitest";
import type { NatsConnection } from "@nats-io/transport-node";
import { Kvm, type KvEntry } from "@nats-io/kv";
import { BUCKET_DESIRED } from "../../shared/names.js";
import type { Catalog } from "../../shared/protocol.js";

export async function expectPublishedOnceInOrder(nc: NatsConnection, hosts: readonly string[], next: string, before: string): Promise<void> {
  const kv = await new Kvm(nc).open(BUCKET_DESIRED);
  for (const host of hosts) {
    const puts: Catalog[] = [];
    for await (const e of (await kv.history({ key: host })) as AsyncIterable<KvEntry>) if (e.operation === "PUT") puts.push(e.json<Catalog>());
    const generations = puts.map((c) => c.generation);
    expect(generations, host).toEqual([...generations].sort((a, b) => a - b));
    expect(new Set(generations).size, host).toBe(generations.length);
    const revisions = puts.map((c) => c.revision);
    expect(revisions.filter((r) => r === next), host).toHaveLength(1);
    expect(revisions.slice(revisions.indexOf(next)), host).not.toContain(before);
  }
}
