// The fleet's streams get their limits on a new server and, in place, on a server whose streams
// an older controller made: read back from the real nats-server's stream info.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { startNatsServer, type NatsServer } from "./embedded-server.js";
import { ControllerBus } from "./bus.js";
import { STREAM_LIMITS, configChanges } from "./stream-limits.js";
import { Writable } from "node:stream";
import { createLogger, silentLogger } from "../../shared/log.js";
import { CATALOG_MAX_BYTES } from "../../shared/bus-limits.js";
import { BUCKET_CONTROLLER, BUCKET_DESIRED, BUCKET_STATUS, EVENTS_WILDCARD, STREAM_EVENTS, kvStream } from "../../shared/names.js";
import type { Catalog } from "../../shared/protocol.js";

const STREAMS = [...[BUCKET_DESIRED, BUCKET_STATUS, BUCKET_CONTROLLER].map(kvStream), STREAM_EVENTS];
const KIB = 1024;

describe("configChanges", () => {
  it("asks for every limit a stream lacks, and nothing once it has them", () => {
    const old = { name: kvStream(BUCKET_STATUS), allow_rollup_hdrs: true, max_msg_size: -1, max_bytes: -1, max_msgs_per_subject: 1, num_replicas: 1 };
    expect(configChanges(old, 1)).toEqual({ allow_rollup_hdrs: false, max_msg_size: 256 * KIB, max_bytes: 512 * KIB * KIB });
    expect(configChanges({ ...old, ...configChanges(old, 1) }, 1)).toBeNull();
    expect(configChanges({ ...old, ...configChanges(old, 1) }, 3)).toEqual({ num_replicas: 3 });
  });
  it("takes a boolean nats-server left out as false", () => {
    const events = { name: STREAM_EVENTS, num_replicas: 1, ...STREAM_LIMITS[STREAM_EVENTS]! } as Record<string, unknown> & { name: string };
    delete events.allow_rollup_hdrs;
    expect(configChanges(events, 1)).toBeNull();
  });
});

describe("against a real nats-server", () => {
  let dir: string;
  let server: NatsServer;
  let nc: NatsConnection;
  const open = async () => {
    dir = await mkdtemp(join(tmpdir(), "kf-limits-"));
    server = await startNatsServer({ storeDir: dir });
    nc = await connect({ servers: server.url });
  };
  afterEach(async () => {
    await nc?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const configs = async () => {
    const jsm = await jetstreamManager(nc);
    return Object.fromEntries(await Promise.all(STREAMS.map(async (s) => [s, (await jsm.streams.info(s)).config] as const)));
  };
  const expectLimits = async () => {
    const c = await configs();
    for (const s of STREAMS) {
      expect(c[s], s).toMatchObject({ max_msg_size: STREAM_LIMITS[s]!.max_msg_size, max_bytes: STREAM_LIMITS[s]!.max_bytes, max_msgs_per_subject: STREAM_LIMITS[s]!.max_msgs_per_subject });
      expect(c[s]!.max_msg_size, s).toBeGreaterThan(0);
      expect(c[s]!.max_bytes, s).toBeGreaterThan(0);
    }
    expect(c[kvStream(BUCKET_STATUS)]!.allow_rollup_hdrs ?? false).toBe(false);
    expect(c[STREAM_EVENTS]!.max_msg_size).toBe(64 * KIB);
    expect(c[kvStream(BUCKET_DESIRED)]!.max_msg_size).toBe(CATALOG_MAX_BYTES);
  };

  it("a new server gets every limit, and kf-status no rollup headers", async () => {
    await open();
    (await ControllerBus.open(nc, silentLogger())).stop();
    await expectLimits();
  });

  it("streams made by an older controller are brought to the limits in place, their data kept", async () => {
    await open();
    // What the controller made before these limits: Kvm's defaults (rollup headers on, no caps).
    const kvm = new Kvm(jetstream(nc));
    await kvm.create(BUCKET_DESIRED, { history: 5 });
    const status = await kvm.create(BUCKET_STATUS, { history: 1 });
    await kvm.create(BUCKET_CONTROLLER, { history: 5 });
    await (await jetstreamManager(nc)).streams.add({ name: STREAM_EVENTS, subjects: [EVENTS_WILDCARD], max_age: 7 * 24 * 3600 * 1e9, max_msgs_per_subject: 10_000 });
    await status.put("host-b", '{"kept":true}');
    const before = await configs();
    expect(before[kvStream(BUCKET_STATUS)]!.allow_rollup_hdrs).toBe(true);
    expect(before[STREAM_EVENTS]!.max_msg_size).toBe(-1);

    (await ControllerBus.open(nc, silentLogger())).stop();
    await expectLimits();
    expect((await status.get("host-b"))?.string()).toBe('{"kept":true}');

    // the next start finds nothing to change
    const lines: string[] = [];
    const log = createLogger("test", { level: "warn", destination: new Writable({ write: (chunk, _enc, done) => void (lines.push(String(chunk)), done()) }) });
    (await ControllerBus.open(nc, log)).stop();
    expect(lines).toEqual([]);
  });

  it("says at once, not after a minute of retries, when the store cannot hold the limits", async () => {
    dir = await mkdtemp(join(tmpdir(), "kf-limits-"));
    server = await startNatsServer({ storeDir: dir, config: "jetstream { max_file_store: 1GB }\n" });
    nc = await connect({ servers: server.url });
    const started = Date.now();
    await expect(ControllerBus.open(nc, silentLogger())).rejects.toThrow(/cannot reserve the 2\.56 GiB the fleet's streams may use: free disk on its store or raise jetstream\.max_file_store/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("refuses to publish a catalog over the kf-desired limit, with a clear error", async () => {
    await open();
    const bus = await ControllerBus.open(nc, silentLogger());
    const huge = { host: "host-a", resources: [{ props: { content: "x".repeat(CATALOG_MAX_BYTES) } }] } as unknown as Catalog;
    await expect(bus.putCatalog(huge)).rejects.toThrow(new RegExp(`catalog of host-a is \\d+ bytes, over the ${CATALOG_MAX_BYTES}-byte limit of kf-desired`));
    bus.stop();
  });
});
