// A host's status read whole from kf-status (a host's detail in the API), on a real nats-server:
// the last put, nothing for a missing or deleted key (the bucket allows no purge), for an entry that does not decode
// or that names another host, and an error when NATS cannot answer.
import { describe, expect, it } from "vitest";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { useNatsConnection } from "../../test/support/nats.js";
import { silentLogger } from "../../shared/log.js";
import { BUCKET_STATUS } from "../../shared/names.js";
import type { HostStatus } from "../../shared/protocol.js";
import { ControllerBus } from "./bus.js";

const AT = "2026-12-06T12:00:00.000Z";
const status = (host: string, durationMs: number): HostStatus => ({
  protocol: "kf.v1.status", host, agentVersion: "1.0.0", startedAt: AT, lastSeen: AT, heartbeatSeconds: 15, observed: null, applied: null,
  lastConverge: null, conditions: [],
  resources: [{ id: "file:/etc/motd", kind: "file", outcome: "unchanged", changes: [], durationMs }],
  probes: [{ id: "web", healthy: true, output: "200", since: AT, checkedAt: AT }],
});

describe("ControllerBus.readStatus", () => {
  const link = useNatsConnection();

  it("gives the last status put, whole; null for a missing, deleted, undecodable or misfiled one", async () => {
    const bus = await ControllerBus.open(link.nc, silentLogger());
    const kv = await new Kvm(link.nc).open(BUCKET_STATUS);
    const put = (key: string, s: HostStatus | string) => kv.put(key, typeof s === "string" ? s : JSON.stringify(s));
    await put("a", status("a", 1));
    await put("a", status("a", 2));
    await put("b", status("b", 1));
    await kv.delete("b");
    await put("d", "{not json");
    await put("e", status("f", 1));

    expect(await bus.readStatus("a")).toEqual(status("a", 2));
    for (const host of ["b", "d", "e", "nobody"]) expect({ host, read: await bus.readStatus(host) }).toEqual({ host, read: null });
  });

  it("throws when NATS does not answer", async () => {
    const own = await connect({ servers: link.nats.url });
    const bus = await ControllerBus.open(own, silentLogger());
    await own.close();
    await expect(bus.readStatus("a")).rejects.toThrow();
  });
});
