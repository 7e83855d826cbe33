// Pins and the fleet-wide rollback, end to end: a pinned host is published the catalog of its
// pinned revision as a NEW generation, pushes do not move it (a controller restart neither),
// unpinning makes it follow head; a rollback holds every host at the old content until a
// newer commit lands.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { exitCodeOf } from "../shared/errors.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestFleet, HOSTS } from "./support/fleet.js";
import { waitFor } from "./support/wait.js";
import type { HostView } from "../shared/api/hosts.js";
import { vi } from "vitest";
import { pinCommand } from "../cli/commands/pin.js";
import { rollbackCommand } from "../cli/commands/rollback.js";

const example = await readFile(new URL("../gitops/fleet.yaml", import.meta.url), "utf8");
const variant = (maxjobs: number, siteName = "MxOS Koji") =>
  example.replace("    settings:\n      capacity: 4.0", `    settings:\n      capacity: 4.0\n      maxjobs: ${maxjobs}`).replace("siteName: MxOS Koji", `siteName: ${siteName}`);

const BUILDER = "cs10-koji-03";
const KOJID = "etc/kojid/kojid.conf";

describe("pin and rollback", () => {
  let fleet: TestFleet;
  let r1: string;
  let r2: string;
  const content = new Map<string, Map<string, string>>(); // revision → host → kojid.conf / web.conf snapshot

  const read = (host: string, path: string) => readFile(join(fleet.root(host), path), "utf8").catch(() => "");
  const kojid = () => read(BUILDER, KOJID);

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const res = await fetch(`${fleet.apiUrl}${path}`, { method, headers: { "content-type": "application/json" }, ...(body !== undefined && { body: JSON.stringify(body) }) });
    return { status: res.status, json: await res.json() };
  }

  type Detail = HostView & { catalog: { revision: string; generation: number } | null };
  const host = (h: string) => fleet.api<Detail>(`/api/v1/hosts/${h}`);

  /** The host applied a catalog of `revision` with a generation above `above`. */
  const atRevision = (h: string, revision: string, above: number) =>
    waitFor(
      async () => {
        const v = await host(h);
        return v.phase === "Ready" && v.desired?.revision === revision && v.desired.generation > above && v.applied?.digest === v.desired.digest ? v : false;
      },
      { timeoutMs: 20_000, message: `${h} at ${revision.slice(0, 12)} above generation ${above}` },
    );

  beforeAll(async () => {
    fleet = await TestFleet.start();
    r1 = (await fleet.remote.git("rev-parse", "HEAD")).trim();
    await fleet.waitReady(r1);
    content.set(r1, new Map([[BUILDER, await kojid()]]));
    r2 = await fleet.push("maxjobs 6", { "fleet.yaml": variant(6) });
    await fleet.waitReady(r2);
    expect(await kojid()).toMatch(/^maxjobs = 6$/m);
  });
  afterAll(async () => fleet?.stop());

  it("pinning a host to an older revision brings back its files with a higher generation", async () => {
    const before = (await host(BUILDER)).desired!.generation;
    const res = await call("POST", `/api/v1/hosts/${BUILDER}/pin`, { revision: r1.slice(0, 10) });
    expect(res.status).toBe(202);
    expect(res.json.hosts[BUILDER].revision).toBe(r1);
    await atRevision(BUILDER, r1, before);
    expect(await kojid()).toBe(content.get(r1)!.get(BUILDER));
  });

  it("refuses unknown hosts and revisions", async () => {
    expect((await call("POST", "/api/v1/hosts/cs10-koji-99/pin", { revision: r1 })).status).toBe(404);
    expect((await call("POST", `/api/v1/hosts/${BUILDER}/pin`, { revision: "0123456789abcdef0123456789abcdef01234567" })).status).toBe(404);
    expect((await call("DELETE", "/api/v1/hosts/cs10-koji-00/pin")).status).toBe(404);
  });

  it("pushes that change the pinned host do not move it, across a controller restart too", async () => {
    const pinned = (await host(BUILDER)).desired!;
    await fleet.controller.stop();
    await fleet.startController();
    expect((await fleet.api<{ hosts: Record<string, { revision: string }> }>("/api/v1/pins")).hosts[BUILDER]?.revision).toBe(r1);
    const r3 = await fleet.push("maxjobs 7 and a new site name", { "fleet.yaml": variant(7, "MxOS Build System") });
    await fleet.waitReady(r3, HOSTS.filter((h) => h !== BUILDER));
    expect(await read("cs10-koji-00", "etc/kojiweb/web.conf")).toMatch(/MxOS Build System/);
    const v = await host(BUILDER);
    expect(v.desired).toMatchObject({ revision: r1, generation: pinned.generation, digest: pinned.digest });
    expect(await kojid()).toBe(content.get(r1)!.get(BUILDER));
    content.set(r3, new Map([["cs10-koji-00", await read("cs10-koji-00", "etc/kojiweb/web.conf")]]));
  });

  it("unpinned, the host follows head again", async () => {
    const before = (await host(BUILDER)).desired!.generation;
    const head = (await fleet.remote.git("rev-parse", "HEAD")).trim();
    expect((await call("DELETE", `/api/v1/hosts/${BUILDER}/pin`)).status).toBe(202);
    await atRevision(BUILDER, head, before);
    expect(await kojid()).toMatch(/^maxjobs = 7$/m);
    content.get(head)!.set(BUILDER, await kojid());
  });

  it("a fleet-wide rollback holds every host at the old content until a newer commit lands", async () => {
    const head = (await fleet.remote.git("rev-parse", "HEAD")).trim();
    const webR1 = example.includes("siteName: MxOS Koji");
    expect(webR1).toBe(true);
    const gens = new Map(await Promise.all(HOSTS.map(async (h) => [h, (await host(h)).desired!.generation] as const)));
    const res = await call("POST", "/api/v1/rollback", { revision: r1 });
    expect(res.status).toBe(202);
    expect(res.json.rollback).toMatchObject({ revision: r1, atHead: head });
    // The builder and the web host differ between r1 and head: both go back, as new generations.
    await atRevision(BUILDER, r1, gens.get(BUILDER)!);
    await atRevision("cs10-koji-00", r1, gens.get("cs10-koji-00")!);
    expect(await kojid()).toBe(content.get(r1)!.get(BUILDER));
    expect(await read("cs10-koji-00", "etc/kojiweb/web.conf")).toMatch(/MxOS Koji/);
    // A poll of the same head changes nothing.
    await fleet.hook();
    await new Promise((r) => setTimeout(r, 500));
    expect((await host(BUILDER)).desired?.revision).toBe(r1);

    const r4 = await fleet.push("maxjobs 5", { "fleet.yaml": variant(5, "MxOS Build System") });
    await fleet.waitReady(r4);
    expect(await kojid()).toMatch(/^maxjobs = 5$/m);
    expect(await read("cs10-koji-00", "etc/kojiweb/web.conf")).toBe(content.get(head)!.get("cs10-koji-00"));
    expect((await fleet.api<{ rollback: unknown }>("/api/v1/pins")).rollback).toBeNull();
  });

  it("the CLI pins, unpins and rolls back through the API", async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")));
    const err = vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")));
    try {
      expect(await pinCommand.run([BUILDER, r2, "--api", fleet.apiUrl])).toBe(0);
      expect((await fleet.api<{ hosts: Record<string, { revision: string }> }>("/api/v1/pins")).hosts[BUILDER]?.revision).toBe(r2);
      expect(await pinCommand.run(["--remove", BUILDER, "--api", fleet.apiUrl])).toBe(0);
      expect(exitCodeOf(await pinCommand.run(["--remove", BUILDER, "--api", fleet.apiUrl]).catch((e: unknown) => e))).toBe(3);
      expect(await rollbackCommand.run([r2, "--api", fleet.apiUrl])).toBe(0);
      expect(exitCodeOf(await rollbackCommand.run(["--api", fleet.apiUrl]).catch((e: unknown) => e))).toBe(2);
      expect(lines.join("\n")).toMatch(new RegExp(`${BUILDER} pinned to ${r2.slice(0, 12)}[\\s\\S]*unpinned[\\s\\S]*rolled back to ${r2.slice(0, 12)}`));
    } finally {
      spy.mockRestore();
      err.mockRestore();
    }
  });
});
