// Scenario 6 of issue 10: a managed path on a full file system and one on a read-only file
// system. Each resource fails with a clear error, the old content stays whole, no temp file is
// left behind, what depends on a failed resource is skipped and the rest is applied.
// Real file systems: two small tmpfs mounts inside the host's root (needs root, as nspawn does).
import { execFile } from "node:child_process";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm, type KV } from "@nats-io/kv";
import { TestFleet } from "../support/fleet.js";
import { waitFor } from "../support/wait.js";
import { BUCKET_STATUS } from "../../shared/names.js";
import type { HostStatus } from "../../shared/protocol.js";
import { CatalogPublisher, fileResource } from "./signed-catalog.js";

const run = promisify(execFile);
const HOST = "cs10-koji-03";

describe("scenario: disk full and read-only managed paths", () => {
  let fleet: TestFleet;
  let nc: NatsConnection;
  let status: KV;
  let catalogs: CatalogPublisher;
  const mounts: string[] = [];
  const at = (p: string) => join(fleet.root(HOST), p);

  beforeAll(async () => {
    fleet = await TestFleet.start();
    await fleet.waitReady((await fleet.remote.git("rev-parse", "HEAD")).trim());
    nc = await connect({ servers: fleet.nats.url });
    status = await new Kvm(nc).open(BUCKET_STATUS);
    catalogs = await CatalogPublisher.open(fleet, nc, HOST);
    for (const dir of ["srv/full", "srv/ro"]) {
      await mkdir(at(dir), { recursive: true });
      await run("mount", ["-t", "tmpfs", "-o", "size=64k,mode=0755", "kf-test", at(dir)]);
      mounts.push(at(dir));
    }
    await writeFile(at("srv/ro/kept.conf"), "old\n");
    await run("mount", ["-o", "remount,ro", at("srv/ro")]);
  }, 120_000);
  afterAll(async () => {
    for (const m of mounts.reverse()) await run("umount", [m]).catch(() => undefined);
    await nc?.close();
    await fleet?.stop();
  });

  const results = async (generation: number) =>
    waitFor(
      async () => {
        const s = (await status.get(HOST))?.json<HostStatus>();
        return s && (s.observed?.generation ?? 0) >= generation ? new Map(s.resources.map((r) => [r.id, r])) : false;
      },
      { timeoutMs: 30_000, message: `status for generation ${generation}` },
    );

  it("fails the two resources clearly, skips their dependant, applies the rest, loses nothing", async () => {
    const first = await catalogs.publish(1, [fileResource("/srv/full/existing.conf", "old\n")]);
    expect((await results(first)).get("file:/srv/full/existing.conf")?.outcome).toBe("changed");

    const big = "x".repeat(200 * 1024);
    const second = await catalogs.publish(2, [
      fileResource("/srv/full/existing.conf", big),
      fileResource("/srv/ro/kept.conf", "new\n"),
      fileResource("/srv/ok/independent.conf", "fine\n"),
      fileResource("/srv/ok/after-full.conf", "needs the full one\n", ["file:/srv/full/existing.conf"]),
    ]);
    const r = await results(second);
    expect(r.get("file:/srv/full/existing.conf")).toMatchObject({ outcome: "failed", error: expect.stringMatching(/\/srv\/full\/existing\.conf.*(ENOSPC|no space left)/i) });
    expect(r.get("file:/srv/ro/kept.conf")).toMatchObject({ outcome: "failed", error: expect.stringMatching(/\/srv\/ro\/kept\.conf.*(EROFS|read-only)/i) });
    expect(r.get("file:/srv/ok/independent.conf")?.outcome).toBe("changed");
    expect(r.get("file:/srv/ok/after-full.conf")?.outcome).toBe("skipped");

    expect(await readFile(at("srv/full/existing.conf"), "utf8")).toBe("old\n");
    expect(await readFile(at("srv/ro/kept.conf"), "utf8")).toBe("old\n");
    expect(await readFile(at("srv/ok/independent.conf"), "utf8")).toBe("fine\n");
    expect(await readdir(at("srv/full"))).toEqual(["existing.conf"]);
    await expect(readFile(at("srv/ok/after-full.conf"))).rejects.toThrow(/ENOENT/);

    // The host is not Ready and says why.
    const view = (await fleet.hosts()).find((h) => h.host === HOST)!;
    expect(view.phase).not.toBe("Ready");
    expect(view.failing.resources.map((f) => f.id).sort()).toEqual(["file:/srv/full/existing.conf", "file:/srv/ro/kept.conf"]);
  });
});
