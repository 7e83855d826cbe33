// The dashboard (docs/dashboard.md): its routes through app.inject, then the page itself in
// headless Chromium against a running test fleet, watching it update without a reload.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { chromium, type Browser, type Page } from "playwright-core";
import { buildApp } from "../controller/http/app.js";
import { FleetState } from "../controller/fleet/state.js";
import type { Catalog, FleetEvent } from "../shared/protocol.js";
import { durationText } from "../shared/time.js";
import { TestFleet } from "./support/fleet.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("./artifacts/", import.meta.url);
/** The page's window with a marker that a reload would wipe (the test has no DOM types). */
type Marked = { __kfNoReload?: number };
const NOW = new Date("2026-11-26T12:00:00.000Z");

const catalog = (host: string, roles: string[]): Catalog => ({
  protocol: "kf.v1.catalog", host, revision: "abc1234", generation: 1, issuedAt: NOW.toISOString(),
  digest: `sha256:${"0".repeat(64)}`, roles, resources: [], probes: [],
});

function testState(): FleetState {
  const state = new FleetState(NOW.toISOString());
  state.desired.set("cs10-koji-00", catalog("cs10-koji-00", ["hub", "web", "kojira"]));
  state.desired.set("cs10-koji-03", catalog("cs10-koji-03", ["builder"]));
  return state;
}

const deps = (state: FleetState) => ({ state, clock: () => NOW, requestSync: () => {}, reportedStatus: async () => null, readiness: () => ({ ready: true, reason: "" }) });

/** Parses `event:`/`data:` blocks of a text/event-stream body. */
function sseEvents(body: string): { event: string; data: unknown }[] {
  return body
    .split("\n\n")
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7);
      const data = lines.find((l) => l.startsWith("data: "))?.slice(6);
      return event && data ? { event, data: JSON.parse(data) as unknown } : null;
    })
    .filter((e): e is { event: string; data: unknown } => e !== null);
}

describe("dashboard routes", () => {
  it("GET / serves the page as text/html with no external URL, and its script and stylesheet", async () => {
    const app = await buildApp(deps(testState()));
    try {
      const page = await app.inject("/");
      expect(page.statusCode).toBe(200);
      expect(page.headers["content-type"]).toMatch(/^text\/html/);
      expect(page.headers["content-security-policy"]).toContain("default-src 'self'");
      expect(page.body).toContain('<script src="/dashboard/app.js"');
      // Its icon is inline: a browser asks for no /favicon.ico, which would be a 404.
      expect(page.body).toMatch(/<link rel="icon" href="data:,">/);
      for (const path of ["/dashboard/app.js", "/dashboard/style.css"]) {
        const res = await app.inject(path);
        expect(res.statusCode, path).toBe(200);
        expect(res.body.length, path).toBeGreaterThan(500);
        // No CDN, no web font, no external fetch: only the SVG namespace URI is allowed.
        expect(res.body.replaceAll("http://www.w3.org/2000/svg", "")).not.toMatch(/https?:\/\/|\/\/[a-z0-9-]+\.[a-z]/i);
      }
      expect((await app.inject("/dashboard/app.js")).headers["content-type"]).toMatch(/^text\/javascript/);
      expect((await app.inject("/dashboard/style.css")).headers["content-type"]).toMatch(/^text\/css/);
      expect(page.body).not.toMatch(/https?:\/\//);
      expect(page.body).not.toMatch(/@import|fonts\.googleapis|cdn/i);
    } finally {
      await app.close();
    }
  });

  it("GET /api/v1/events/stream sends a hosts snapshot with edges at once, then fleet events; app.close() ends it", async () => {
    const state = testState();
    const app = await buildApp(deps(state));
    const pending = app.inject("/api/v1/events/stream");
    await new Promise((r) => setTimeout(r, 100));
    const event: FleetEvent = { protocol: "kf.v1.event", id: "evt-00000001", at: NOW.toISOString(), source: "controller", type: "revision-accepted", severity: "info", message: "revision abc1234 accepted", revision: "abc1234" };
    state.addEvent(event);
    await app.close();
    const res = await pending;
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(res.headers["cache-control"]).toContain("no-cache");
    const events = sseEvents(res.body);
    expect(events[0]!.event).toBe("hosts");
    const snap = events[0]!.data as { hosts: { host: string; phase: string }[]; edges: { from: string; to: string; role: string }[] };
    expect(snap.hosts.map((h) => [h.host, h.phase])).toEqual([["cs10-koji-00", "Unknown"], ["cs10-koji-03", "Unknown"]]);
    expect(snap.edges).toEqual([{ from: "cs10-koji-03", to: "cs10-koji-00", role: "hub" }]);
    expect(events[1]).toEqual({ event: "fleet-event", data: event });
    expect(res.body).toContain("id: evt-00000001\n");
  });

  it("the stream follows the /api/v1 read rules", async () => {
    const app = await buildApp({ ...deps(testState()), readAccess: "token", apiTokens: ["t0ken-for-the-dashboard-test"] });
    try {
      expect((await app.inject("/api/v1/events/stream")).statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });
});

describe("dashboard in headless Chromium", () => {
  let fleet: TestFleet;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    // Fail, never skip: a browser test that silently does not run proves nothing.
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run installs it)`);
    fleet = await TestFleet.start();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
      // playwright gives the browser a fresh temporary profile of its own (no --user-data-dir).
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
  });

  const rowSelector = (host: string, sha: string) => `#host-rows tr[data-host="${host}"][data-revision="${sha}"][data-phase="Ready"]`;

  it("shows all hosts Ready, follows a push without reload, and shows a bad commit's file:line", async () => {
    const external: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(fleet.apiUrl)) external.push(r.url());
    });
    const errors: string[] = [];
    const missing: string[] = [];
    page.on("response", (r) => {
      if (r.status() === 404 && !r.url().endsWith("/api/v1/rollouts/current")) missing.push(r.url());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => {
      // GET /api/v1/rollouts/current is a 404 until a rollout starts: the page expects it.
      if (m.type() === "error" && !/status of 404/.test(m.text())) errors.push(m.text());
    });

    const first = (await fleet.remote.git("rev-parse", "HEAD")).trim();
    await fleet.waitReady(first);
    await page.goto(`${fleet.apiUrl}/`);
    await page.locator('#host-rows tr[data-phase="Ready"]').nth(4).waitFor({ timeout: 30_000 }).catch(async (err: Error) => {
      throw new Error(`${err.message}\npage errors: ${errors.join("; ")}\n${(await page.locator("main").textContent())?.slice(0, 2000)}`);
    });
    expect(await page.locator("#host-rows tr").count()).toBe(5);
    expect(await page.locator("#graph [data-node]").count()).toBe(5);
    expect(await page.locator("#graph .edge").count()).toBeGreaterThan(0);
    expect(await page.locator("#conn").textContent()).toContain("live");
    // Sandboxed agents apply nothing: each row says how much would change (the API's count), not "Converged".
    const views = (await fleet.api<{ hosts: { host: string; resources: { wouldChange: number } }[] }>("/api/v1/hosts")).hosts;
    const builder = views.find((h) => h.host === "cs10-koji-03")!;
    expect(builder.resources.wouldChange).toBeGreaterThan(0);
    const builderRow = page.locator('#host-rows tr[data-host="cs10-koji-03"]');
    expect(await builderRow.locator("[data-would-change]").getAttribute("data-would-change")).toBe(String(builder.resources.wouldChange));
    expect(await builderRow.textContent()).toContain(`Noop: ${builder.resources.wouldChange} resource(s) would change (noop or sandbox)`);
    expect(await builderRow.textContent()).not.toContain("Converged");
    expect(await page.locator('#counts [data-would-change="5"]').count()).toBe(1);
    expect(await page.locator('#graph [data-node="cs10-koji-03"] text').nth(1).textContent()).toContain(`\u2248${builder.resources.wouldChange}`);
    // A marker that a reload would wipe.
    await page.evaluate(() => void ((globalThis as unknown as Marked).__kfNoReload = 42));

    const yaml = await fleet.remote.git("show", "HEAD:fleet.yaml");
    expect(yaml).toContain("maxjobs: 10");
    const second = await fleet.push("dashboard test: builders take 7 jobs", { "fleet.yaml": yaml.replace("maxjobs: 10", "maxjobs: 7") });
    await page.waitForSelector(rowSelector("cs10-koji-03", second), { timeout: 30_000 });
    // The commit's message comes with the refetch of /api/v1/fleet that follows the hosts snapshot.
    await page.locator('#host-rows tr[data-host="cs10-koji-03"]').filter({ hasText: "dashboard test: builders take 7 jobs" }).waitFor({ timeout: 5_000 });
    expect(await page.locator('#graph [data-node="cs10-koji-03"]').getAttribute("data-phase")).toBe("Ready");
    await page.waitForSelector('#event-list li[data-event="revision-accepted"]', { timeout: 10_000 });
    expect(await page.evaluate(() => (globalThis as unknown as Marked).__kfNoReload)).toBe(42);
    // Its rollout completes: the panel says when, and how long it took (the API's two times).
    const current = () => fleet.api<{ revision: string; phase: string; startedAt: string; completedAt?: string }>("/api/v1/rollouts/current");
    await expect.poll(async () => (await current()).phase, { timeout: 10_000 }).toBe("Complete");
    const done = await current();
    expect(done.revision).toBe(second);
    const completed = page.locator(`#rollout-body dd[data-completed="${done.completedAt}"]`);
    await completed.waitFor({ timeout: 10_000 });
    expect(await completed.textContent()).toMatch(new RegExp(`^\\d+ s ago \\(.+\\), in ${durationText(Date.parse(done.completedAt!) - Date.parse(done.startedAt)).replace(".", "\\.")}$`));

    await fleet.push("dashboard test: a typo", { "fleet.yaml": yaml.replace("maxjobs: 10", "maxjobs: seven") });
    await page.waitForSelector("#validation:not([hidden]) .loc", { timeout: 30_000 });
    const loc = await page.locator("#validation .loc").first().textContent();
    expect(loc).toMatch(/^fleet\.yaml:\d+:\d+$/);
    expect(await page.locator("#validation").textContent()).toMatch(/maxjobs/);
    expect(await page.locator("#validation").textContent()).toContain("dashboard test: a typo");
    await page.waitForSelector('#event-list li[data-event="revision-rejected"]', { timeout: 10_000 });
    expect(await page.evaluate(() => (globalThis as unknown as Marked).__kfNoReload)).toBe(42);

    // A pin shows as the host's desired revision, with a badge naming who pinned it, and its event.
    const pin = await fetch(`${fleet.apiUrl}/api/v1/hosts/cs10-koji-03/pin`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ revision: first }) });
    expect(pin.status).toBe(202);
    await page.waitForSelector(`#host-rows tr[data-host="cs10-koji-03"][data-desired="${first}"][data-revision="${first}"] .held[data-held="pinned"]`, { timeout: 30_000 });
    expect(await page.locator('#host-rows tr[data-host="cs10-koji-03"] .held').textContent()).toMatch(/^\S+ pinned by api, \d+ s ago$/);
    expect(await page.locator(`#host-rows tr[data-host="cs10-koji-00"][data-desired="${second}"] .held`).count()).toBe(0);
    // The pin's rollout names the revision published for the host (the pin's, not head's); the graph's node has the badge too.
    await page.waitForSelector(`#rollout-body tr[data-target="cs10-koji-03"][data-revision="${first}"] .held[data-held="pinned"]`, { timeout: 10_000 });
    expect(await page.locator('#rollout-body tr[data-target="cs10-koji-03"] code').textContent()).toBe(first.slice(0, 12));
    expect(await page.locator('#graph [data-node="cs10-koji-03"] .held[data-held="pinned"] text').textContent()).toBe("\u2691 pinned by api");
    expect(await page.locator("#graph .held").count()).toBe(1);
    await page.waitForSelector('#event-list li[data-event="host-pinned"]', { timeout: 10_000 });

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL("dashboard.png", ARTIFACTS).pathname, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: new URL("dashboard-phone.png", ARTIFACTS).pathname });
    expect(external).toEqual([]);
    expect(errors).toEqual([]);
    expect(missing).toEqual([]); // nothing the page asks for is missing
  }, 120_000);
});
