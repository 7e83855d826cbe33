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
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../bin/koji-fleet.js", import.meta.url));
/** The real binary (over the built dist/: `npm run build` first), as a user runs it. */
const run = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "", KOJI_FLEET_API: "", KOJI_FLEET_TOKEN_FILE: "" } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });

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

  it("status, hosts, hosts HOST, pins and events show the pin: desired and applied at the pinned revision, who and when", { timeout: 60_000 }, async () => {
    const api = ["--api", fleet.apiUrl];
    const [p1, p2] = [r1.slice(0, 12), r2.slice(0, 12)];
    const since = (await fleet.api<{ hosts: Record<string, { since: string }> }>("/api/v1/pins")).hosts[BUILDER]!.since;
    const status = await run(["status", ...api]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^HOST +ROLES +PHASE +DESIRED +APPLIED +HELD +REASON$/m);
    expect(status.stdout).toMatch(new RegExp(`^${BUILDER} +\\S+ +Ready +${p1} +${p1} +pinned to ${p1} by api since ${since}$`, "m"));
    expect(status.stdout).toMatch(new RegExp(`^cs10-koji-00 +\\S+ +Ready +${p2} +${p2} +-$`, "m"));
    const hosts = await run(["hosts", ...api]);
    expect(hosts.stdout).toMatch(new RegExp(`^${BUILDER} +\\S+ +Ready +${p1} +${p1} +pinned to ${p1} by api since ${since} +\\S+`, "m"));
    const one = await run(["hosts", BUILDER, ...api]);
    expect(one.stdout).toMatch(new RegExp(`^revision: +desired ${p1}, applied ${p1}$`, "m"));
    expect(one.stdout).toMatch(new RegExp(`^held: +pinned to ${p1} by api since ${since}$`, "m"));
    expect(one.stdout).toMatch(new RegExp(`^desired: +catalog generation \\d+ \\(compiled from ${p1}\\)`, "m"));
    // The pin's rollout names the revision published for the host (the pin's), not head's.
    const rollout = await run(["rollout", "status", ...api]);
    expect(rollout.code, rollout.stderr).toBe(0);
    expect(rollout.stdout).toMatch(new RegExp(`^revision: +${p2}$`, "m"));
    expect(rollout.stdout).toMatch(/^HOST +REVISION +HELD +STATE +SINCE +DETAIL$/m);
    expect(rollout.stdout).toMatch(new RegExp(`^${BUILDER} +${p1} +pinned to ${p1} by api since ${since} +published +\\S+ +builder batch$`, "m"));
    const rolloutJson = JSON.parse((await run(["rollout", "status", "--json", ...api])).stdout) as { targets: unknown[] };
    expect(rolloutJson.targets).toEqual([expect.objectContaining({ host: BUILDER, revision: r1, held: { kind: "pinned", revision: r1, by: "api", since } })]);
    const pins = await run(["pins", ...api]);
    expect(pins.code).toBe(0);
    expect(pins.stdout).toMatch(new RegExp(`^${BUILDER} +${p1} +api +${since}$`, "m"));
    expect(pins.stdout).toMatch(/^rollback: none$/m);
    const events = await run(["events", "--type", "host-pinned", "--json", ...api]);
    expect(events.code).toBe(0);
    expect(JSON.parse(events.stdout)).toMatchObject({ events: [{ type: "host-pinned", host: BUILDER, revision: r1, data: { by: "api" } }] });
    // The pin is no new revision: nothing claims one was accepted after it.
    const accepted = (await fleet.api<{ events: { type: string; at: string }[] }>("/api/v1/events?type=revision-accepted")).events;
    expect(accepted.every((e) => e.at < since)).toBe(true);
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
    // The rollback's rollout names the rollback's revision for every host it published, not head's.
    const rollout = await run(["rollout", "status", "--api", fleet.apiUrl]);
    expect(rollout.stdout).toMatch(new RegExp(`^revision: +${head.slice(0, 12)}$`, "m"));
    for (const h of [BUILDER, "cs10-koji-00"]) expect(rollout.stdout).toMatch(new RegExp(`^${h} +${r1.slice(0, 12)} +rolled back to ${r1.slice(0, 12)} by api since \\S+ +published `, "m"));
    // A poll of the same head changes nothing.
    await fleet.hook();
    await new Promise((r) => setTimeout(r, 500));
    expect((await host(BUILDER)).desired?.revision).toBe(r1);

    const r4 = await fleet.push("maxjobs 5", { "fleet.yaml": variant(5, "MxOS Build System") });
    await fleet.waitReady(r4);
    expect(await kojid()).toMatch(/^maxjobs = 5$/m);
    expect(await read("cs10-koji-00", "etc/kojiweb/web.conf")).toBe(content.get(head)!.get("cs10-koji-00"));
    expect((await fleet.api<{ rollback: unknown }>("/api/v1/pins")).rollback).toBeNull();
    const ended = (await fleet.api<{ events: { type: string; revision?: string; data?: unknown }[] }>("/api/v1/events?type=rollback-ended")).events;
    expect(ended).toMatchObject([{ revision: r1, data: { reason: "newer-commit", head: r4, startedBy: "api" } }]);
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

  it("rollback --cancel (the binary) ends the rollback with an event; hosts follow head again; a second one exits 3", { timeout: 60_000 }, async () => {
    const api = ["--api", fleet.apiUrl];
    const head = (await fleet.remote.git("rev-parse", "HEAD")).trim();
    const pinsBefore = await run(["pins", ...api]);
    expect(pinsBefore.stdout).toMatch(new RegExp(`^rollback: every host not pinned is kept at ${r2.slice(0, 12)} by api since \\S+, until a commit newer than ${head.slice(0, 12)} is accepted`, "m"));
    const gen = (await host(BUILDER)).desired!.generation;
    await atRevision(BUILDER, r2, gen - 1);
    const r = await run(["rollback", "--cancel", ...api]);
    expect([r.code, r.stdout.trim()]).toEqual([0, "rollback cancelled: hosts not pinned follow the revision in force again"]);
    await atRevision(BUILDER, head, gen);
    expect((await host(BUILDER)).held).toBeNull();
    expect((await run(["pins", ...api])).stdout).toMatch(/^no host is pinned\n\nrollback: none$/m);
    const ended = (await fleet.api<{ events: { type: string; revision?: string; data?: unknown }[] }>("/api/v1/events?type=rollback-ended")).events.at(-1);
    expect(ended).toMatchObject({ revision: r2, data: { by: "api", reason: "cancelled" } });
    const again = await run(["rollback", "--cancel", ...api]);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain("no fleet-wide rollback is in force");
  });
});
