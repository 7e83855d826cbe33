// `koji-fleet koji export` end to end: the fake Koji hub over real HTTPS, its content a
// ContentHub (the reference farm converged, then edited by hand), reached through --hub, a koji
// CLI profile, or the controller's config; the file it writes loads as an include and converging
// it plans nothing against the same hub; every call anonymous.
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { FakeKojiHub } from "../../test/support/fake-koji-hub.js";
import { convergedHub, type ContentHub } from "../../test/support/koji-content-hub.js";
import { loadExported } from "../../test/support/content-export.js";
import { useTmpDirs } from "../../test/support/tmp.js";
import { loadFleet } from "../../controller/config/load-fleet.js";
import { desiredContent } from "../../controller/koji/content/desired.js";
import { planContent, planLines } from "../../controller/koji/content/plan.js";
import { kojiCommand } from "./koji.js";

const FLEET = join(import.meta.dirname, "../../gitops/fleet.yaml");
const tmp = useTmpDirs();

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(console, "log").mockImplementation((s: unknown) => void (out += `${String(s)}\n`));
  vi.spyOn(console, "error").mockImplementation((s: unknown) => void (err += `${String(s)}\n`));
  try {
    return { code: await kojiCommand.run(args), out, err };
  } finally {
    vi.restoreAllMocks();
  }
}

/** Converging the exported text against `content`, with nothing owned: the lines it would print. */
function converge(text: string, content: ContentHub): string[] {
  const loaded = loadExported(text);
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join("\n"));
  return planLines(planContent(desiredContent(loaded.fleet), content.observe(), new Set()));
}

describe("koji-fleet koji export", () => {
  let hub: FakeKojiHub;
  let content: ContentHub;
  let dir: string;
  beforeAll(async () => {
    const loaded = loadFleet(await readFile(FLEET), FLEET);
    if (!loaded.ok) throw new Error("gitops/fleet.yaml does not load");
    const { include: _include, ...declared } = loaded.fleet.koji!.content!;
    content = convergedHub(declared).hub;
    // What an admin added by hand, outside git.
    content.call_createUser(["bob"]);
    content.call_grantPermission(["bob", "tag"], {});
    content.call_packageListAdd(["mxos-10-build", "bash"], { owner: "bob", block: true, force: true });
    hub = await FakeKojiHub.start({ content });
    dir = await tmp("kf-koji-export-");
  });
  afterAll(() => hub?.close());
  afterEach(() => vi.restoreAllMocks());

  it("--hub URL --ca FILE -o FILE: writes the hub's content, valid, converging to nothing, read anonymously in two requests", async () => {
    const file = join(dir, "hub.yaml");
    const before = hub.requests.length;
    const r = await run("export", "--hub", hub.url, "--ca", hub.caFile, "-o", file);
    expect([r.code, r.err, r.out]).toEqual([0, "", ""]);
    const text = await readFile(file, "utf8");
    expect(text.split("\n")[0]).toBe(`# Koji content exported by \`koji-fleet koji export\` from ${hub.url}`);
    expect(text).toMatch(/^# at \d{4}-\d\d-\d\dT[\d:.]+Z\.$/m);
    expect(text).toContain("  bob: {permissions: [tag]}\n");
    expect(text).toContain("      - {name: bash, owner: bob, blocked: true}\n");
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    expect(converge(text, content)).toEqual([]);
    expect(hub.requests.length - before).toBe(2);
    expect(hub.requests.slice(before).every((q) => q.path === "/kojihub")).toBe(true);
    expect(hub.calls.every((c) => c.user === null && c.method !== "sslLogin")).toBe(true);
  });

  it("--profile P: the hub, CA and certificate of a koji CLI profile in ~/.koji/config; to standard output", async () => {
    const home = await tmp("kf-koji-home-");
    await mkdir(join(home, ".koji"));
    await writeFile(join(home, ".koji", "config"), `[kf-test]\nserver = ${hub.url}\nserverca = ${hub.caFile}\ncert = ${await hub.clientPem("kojiadmin")}\n`);
    vi.stubEnv("HOME", home);
    try {
      const r = await run("export", "--profile", "kf-test");
      expect([r.code, r.err]).toEqual([0, ""]);
      expect(r.out.split("\n")[0]).toBe(`# Koji content exported by \`koji-fleet koji export\` from ${hub.url} (koji profile "kf-test")`);
      expect(converge(r.out, content)).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("neither: the fleet's hub from the controller's config (koji.hubUrl, caFile, adminCertFile), checked against --fleet's users", async () => {
    const config = join(dir, "controller.yaml");
    await writeFile(config, JSON.stringify({ git: { url: "/nonexistent" }, nats: { servers: ["nats://127.0.0.1:4222"] }, koji: { hubUrl: hub.url, caFile: hub.caFile, adminCertFile: await hub.clientPem("kojiadmin") } }));
    const r = await run("export", "--config", config, "--fleet", FLEET);
    expect([r.code, r.err]).toEqual([0, ""]);
    expect(r.out).toContain(`from ${hub.url} (the fleet's hub, ${config})`);
    expect(converge(r.out, content)).toEqual([]);
  });

  it("an export that does not validate is written, its errors named file:line:col, exit 1", async () => {
    const odd = convergedHub({ users: { carol: {} }, tags: { t: { packages: [{ name: "p", owner: "carol" }] } } }).hub;
    odd.call_disableUser(["carol"]);
    const oddHub = await FakeKojiHub.start({ content: odd });
    try {
      const file = join(dir, "odd.yaml");
      const r = await run("export", "--hub", oddHub.url, "--ca", oddHub.caFile, "-o", file);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`^${file}:\\d+:\\d+: .*user 'carol' is declared absent`, "m"));
      expect(await readFile(file, "utf8")).toContain("carol: {state: absent}");
    } finally {
      await oddHub.close();
    }
  });

  it.each([
    [["export", "--profile", "nope-kf"], 3, /no configuration for koji profile 'nope-kf'/],
    [["export", "--hub", "https://127.0.0.1:1/kojihub", "--ca", "CA"], 4, /127\.0\.0\.1:1/],
    [["export", "--profile", "p", "--hub", "https://x/kojihub"], 2, /--profile takes no --hub/],
    [["export", "--ca", "CA"], 2, /--ca and --cert go with --hub/],
    [["export", "--config", "/nonexistent/controller.yaml"], 3, /controller config \/nonexistent\/controller\.yaml is not readable/],
    [["export", "--bogus"], 2, /Unknown option '--bogus'/],
    [["import"], 2, /usage: koji-fleet koji export/],
  ])("%j → exit %i", async (args, code, message) => {
    vi.stubEnv("HOME", dir);
    const r = await run(...args.map((a) => (a === "CA" ? hub.caFile : a)));
    vi.unstubAllEnvs();
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
  });

  it("--help", async () => {
    const r = await run("--help");
    expect([r.code, r.out]).toEqual([0, expect.stringContaining("Every read is anonymous")]);
  });
});
