// `koji-fleet secret set` / `secret list` as an admin runs them: the real binary (bin/koji-fleet.js
// over the built dist/, so `npm run build` first) against a real fleet, the value reaching the
// hub's drop-in through a republish and appearing nowhere else.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestFleet, HOSTS } from "./support/fleet.js";
import { waitFor } from "./support/wait.js";
import { useTmpDirs } from "./support/tmp.js";

const BIN = fileURLToPath(new URL("../bin/koji-fleet.js", import.meta.url));
const tmp = useTmpDirs();
const HUB = "cs10-koji-00";
const DROP_IN = "etc/koji-hub/hub.conf.d/koji-fleet-secrets.conf";
// What an operator brings from the farm they move under koji-fleet.
const OLD_DB_PASSWORD = "old-farm-db-Pa55word";
const OLD_WEB_SECRET = "old-farm-kojiweb-cookie-key";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "", KOJI_FLEET_API: "", KOJI_FLEET_TOKEN_FILE: "" } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin!.end(input ?? "");
  });
}

describe("koji-fleet secret set / list", { timeout: 120_000 }, () => {
  let fleet: TestFleet;
  const outputs: string[] = [];
  const api = () => ["--api", fleet.apiUrl];
  const cli = async (args: string[], input?: string) => {
    const r = await run(args, input);
    outputs.push(r.stdout, r.stderr);
    return r;
  };

  beforeAll(async () => {
    fleet = await TestFleet.start({ captureLogs: true });
    await fleet.waitReady((await fleet.remote.git("rev-parse", "HEAD")).trim());
  }, 90_000);
  afterAll(async () => fleet?.stop());

  it("list: the fleet's secrets, generated, with the hosts using each; no value", async () => {
    const r = await cli(["secret", "list", ...api(), "--json"]);
    expect(r.code).toBe(0);
    const { secrets } = JSON.parse(r.stdout) as { secrets: { name: string; origin: string; hosts: string[] }[] };
    const db = secrets.find((s) => s.name === "koji-db-password");
    expect(db).toMatchObject({ origin: "generated" });
    expect(db!.hosts).toContain(HUB);
    expect(secrets.map((s) => s.name)).toContain("kojiweb-session-secret");
    const generated = /DBPass = (\S+)/.exec(readFileSync(join(fleet.root(HUB), DROP_IN), "utf8"))![1]!;
    expect(r.stdout).not.toContain(generated);
  });

  it("set refuses a name the fleet does not use (did you mean), an empty value, and no or two sources", async () => {
    const file = join(await tmp(), "pw");
    await writeFile(file, `${OLD_DB_PASSWORD}\n`);
    const typo = await cli(["secret", "set", "koji-db-pasword", "--from-file", file, ...api()]);
    expect(typo.code).toBe(3);
    expect(typo.stderr).toContain("did you mean 'koji-db-password'?");
    const empty = join(await tmp(), "empty");
    await writeFile(empty, "\n");
    const e = await cli(["secret", "set", "koji-db-password", "--from-file", empty, ...api()]);
    expect(e.code).toBe(2);
    expect(e.stderr).toContain("the value is empty");
    expect((await cli(["secret", "set", "koji-db-password", ...api()])).code).toBe(2);
    expect((await cli(["secret", "set", "koji-db-password", "--from-file", file, "--from-stdin", ...api()])).code).toBe(2);
    expect((await cli(["secret", "sett", "koji-db-password", ...api()])).stderr).toContain("did you mean 'set'?");
  });

  it("set the DB password from a file: the trailing newline stripped with a note, the hub's drop-in holds it after the republish", async () => {
    const before = fleet.controller.fleet.desired.get(HUB)!.generation;
    const file = join(await tmp(), "pw");
    await writeFile(file, `${OLD_DB_PASSWORD}\n`, { mode: 0o600 });
    const r = await cli(["secret", "set", "koji-db-password", "--from-file", file, ...api()]);
    expect(r).toMatchObject({ code: 0 });
    expect(r.stderr).toContain("line break at the end of the value was stripped");
    expect(r.stdout).toMatch(new RegExp(`secret koji-db-password set; republished to .*${HUB}`));
    expect(fleet.controller.fleet.desired.get(HUB)!.generation).toBeGreaterThan(before);
    await waitFor(() => readFileSync(join(fleet.root(HUB), DROP_IN), "utf8").includes(`DBPass = ${OLD_DB_PASSWORD}\n`), { timeoutMs: 30_000, message: "hub drop-in holds the operator's value" });
  });

  it("set kojiweb's Secret from stdin; list shows both set by an operator", async () => {
    const r = await cli(["secret", "set", "kojiweb-session-secret", "--from-stdin", ...api()], OLD_WEB_SECRET);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("stripped");
    const l = await cli(["secret", "list", ...api()]);
    expect(l.stdout).toMatch(/koji-db-password\s+operator/);
    expect(l.stdout).toMatch(/kojiweb-session-secret\s+operator/);
  });

  it("the values appear in no log line, API answer, event or CLI output", async () => {
    await waitFor(async () => JSON.stringify(await fleet.api("/api/v1/events?limit=500")).includes("secret-set"), { timeoutMs: 10_000, message: "secret-set events" });
    const haystacks: [string, string][] = [["logs", fleet.logs.join("\n")], ["cli", outputs.join("\n")]];
    for (const path of ["/api/v1/fleet", "/api/v1/hosts", "/api/v1/events?limit=500", "/api/v1/secrets", ...HOSTS.map((h) => `/api/v1/hosts/${h}`)]) {
      haystacks.push([path, JSON.stringify(await fleet.api(path))]);
    }
    expect(fleet.logs.length).toBeGreaterThan(20);
    for (const [where, text] of haystacks) {
      expect({ where, leaked: text.includes(OLD_DB_PASSWORD) || text.includes(OLD_WEB_SECRET) }).toEqual({ where, leaked: false });
    }
  });
});
