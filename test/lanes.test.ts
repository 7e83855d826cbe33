// The lanes cannot rot silently: every *.test.ts in the repository is in exactly one lane,
// every path the lists name exists, vitest.config.ts's projects are the lists, a test that
// starts a whole fleet, a container or a browser is e2e, and the unit lane's guard refuses
// processes and sockets (test/lanes.ts, CONTRIBUTING.md).
import { execFile, execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { connect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import config from "../vitest.config.js";
import { END_TO_END, globsOf, INTEGRATION, KOJI, lanesOf, TEST_ROOTS } from "./lanes.js";
import { takeRefusals } from "./support/unit-guard.js";

const REPO = new URL("..", import.meta.url).pathname;
const SKIP = new Set(["node_modules", "dist", ".git", ".koji-fleet", "coverage"]);

function testFiles(dir = REPO): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.isFile() && entry.name.endsWith(".test.ts") ? [relative(REPO, path)] : [];
  });
}

/** Imports that make a test e2e: a whole fleet, `koji-fleet up`, a container, a browser. */
const E2E_IMPORTS = /^import\b[^;]*?from\s+"[^"]*(support\/fleet|support\/nspawn|support\/nats-cluster|up\/sandbox-fleet|playwright-core)(\.js)?"/m;

describe("test lanes (test/lanes.ts)", () => {
  const files = testFiles();

  it("finds the tests", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain("test/lanes.test.ts");
  });

  it("puts every *.test.ts in exactly one lane, under a folder vitest looks in", () => {
    const strays = files.filter((f) => !TEST_ROOTS.some((root) => f.startsWith(root)));
    expect(strays, "tests outside TEST_ROOTS run in no lane").toEqual([]);
    const ambiguous = files.filter((f) => lanesOf(f).length !== 1).map((f) => `${f}: ${lanesOf(f).join(", ")}`);
    expect(ambiguous).toEqual([]);
  });

  it("names only paths that exist, each once, sorted", () => {
    for (const list of [INTEGRATION, END_TO_END, KOJI]) {
      expect([...list].sort()).toEqual(list);
      expect(new Set(list).size).toBe(list.length);
      for (const entry of list) {
        const path = join(REPO, entry);
        expect(existsSync(path), `${entry} does not exist`).toBe(true);
        if (entry.endsWith("/")) expect(statSync(path).isDirectory() && files.some((f) => f.startsWith(entry)), `${entry} holds no test`).toBe(true);
        else expect(entry.endsWith(".test.ts"), `${entry} is not a test file`).toBe(true);
      }
    }
  });

  it("builds vitest.config.ts's projects from the lists", () => {
    const projects = (config.test?.projects ?? []) as { test: { name: string; include: string[]; exclude: string[]; setupFiles?: string[] } }[];
    const byName = Object.fromEntries(projects.map((p) => [p.test.name, p.test]));
    expect(Object.keys(byName)).toEqual(["unit", "int", "e2e"]);
    expect(byName.unit!.include).toEqual(globsOf(TEST_ROOTS));
    expect(byName.unit!.exclude).toEqual(expect.arrayContaining([...globsOf(KOJI), ...globsOf(INTEGRATION), ...globsOf(END_TO_END)]));
    expect(byName.unit!.setupFiles).toEqual(["test/support/unit-guard.ts"]);
    expect(byName.int!.include).toEqual(globsOf(INTEGRATION));
    expect(byName.e2e!.include).toEqual(globsOf(END_TO_END));
    for (const name of ["int", "e2e"]) expect(byName[name]!.exclude).toEqual(expect.arrayContaining(globsOf(KOJI)));
  });

  it("runs in e2e every test that starts a whole fleet, a container or a browser", () => {
    const misplaced = files.filter((f) => E2E_IMPORTS.test(readFileSync(join(REPO, f), "utf8")) && !lanesOf(f).includes("e2e"));
    expect(misplaced).toEqual([]);
  });
});

describe("the unit lane's guard (test/support/unit-guard.ts)", () => {
  it("refuses child processes", async () => {
    expect(() => execFileSync("true")).toThrow(/unit lane: child_process.execFileSync refused/);
    expect(() => spawn("true")).toThrow(/refused/);
    expect(() => execFile("true", () => {})).toThrow(/refused/);
    expect(takeRefusals()).toEqual(["child_process.execFileSync", "child_process.spawn", "child_process.execFile"]);
  });

  it("refuses sockets: connect, TLS, listen, fetch", async () => {
    expect(() => connect(1, "127.0.0.1")).toThrow(/unit lane: net.connect refused/);
    expect(() => tlsConnect(1, "127.0.0.1")).toThrow(/a socket's connect refused/);
    expect(() => createServer().listen(0)).toThrow(/a server's listen refused/);
    await expect(fetch("http://127.0.0.1:47999/")).rejects.toThrow(); // undici ends in net.connect
    expect(takeRefusals()).toEqual(["net.connect", "a socket's connect", "a server's listen", "net.connect"]);
  });
});
