// The real binary (bin/koji-fleet.js over the built dist/), as a user runs it.
import { spawn, execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { useTmpDirs } from "./support/tmp.js";
import { waitFor } from "./support/wait.js";
import { runGit } from "./support/git.js";
import type { HostView } from "../controller/host-view.js";

const BIN = fileURLToPath(new URL("../bin/koji-fleet.js", import.meta.url));
const GITOPS = fileURLToPath(new URL("../gitops", import.meta.url));
const tmp = useTmpDirs();

function run(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("koji-fleet CLI", () => {
  it.each(["up", "controller", "agent", "validate", "plan", "ca", "token", "nats-config"])("%s --help prints usage and exits 0", async (cmd) => {
    const r = await run([cmd, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^usage: koji-fleet ${cmd}`));
  });

  it("no command → overview on stdout, exit 2; unknown command → exit 2", async () => {
    expect(await run([])).toMatchObject({ code: 2, stdout: expect.stringContaining("validate") });
    expect(await run(["frobnicate"])).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown command 'frobnicate'") });
  });

  it("validate: the example repository is valid (exit 0)", async () => {
    const r = await run(["validate", GITOPS]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid: 5 host\(s\), \d+ resource\(s\)/);
  });

  it("validate: an invalid fleet.yaml → file:line:col on stderr, exit 1", async () => {
    const dir = await tmp();
    const example = await readFile(join(GITOPS, "fleet.yaml"), "utf8");
    await writeFile(join(dir, "fleet.yaml"), example.replace("roles: [database]", "roles: [databse]"));
    const r = await run(["validate", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^${dir}/fleet\\.yaml:\\d+:\\d+: .*roles`, "m"));
  });

  it("agent with an invalid config file → file:line:col, exit 1", async () => {
    const dir = await tmp();
    await writeFile(join(dir, "agent.yaml"), "host: cs10-koji-00\nnats:\n  servers: []\nrooot: /\n");
    const r = await run(["agent", "--config", join(dir, "agent.yaml")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(dir, "agent.yaml")}:3:12: /nats/servers must NOT have fewer than 1 items`);
    expect(r.stderr).toContain(`${join(dir, "agent.yaml")}:4:1: /: unknown key 'rooot'`);
  });
});

describe("koji-fleet up (what npm start runs)", () => {
  const procs: ReturnType<typeof spawn>[] = [];
  afterAll(() => procs.forEach((p) => p.kill("SIGKILL")));

  it("runs the 5-host sandbox fleet, converges a committed edit, and stops cleanly on Ctrl-C", async () => {
    const cwd = await tmp();
    const p = spawn(process.execPath, [BIN, "up", "--port", "0"], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    procs.push(p);
    let out = "";
    p.stdout!.on("data", (b: Buffer) => (out += b.toString()));
    p.stderr!.on("data", (b: Buffer) => (out += b.toString()));
    const api = await waitFor(() => /API:\s+(http:\/\/\S+)\/api\/v1\/fleet/.exec(out)?.[1], { timeoutMs: 15_000, message: `API line in:\n${out}` });
    const hosts = async () => ((await (await fetch(`${api}/api/v1/hosts`)).json()) as { hosts: HostView[] }).hosts;
    await waitFor(async () => (await hosts()).filter((h) => h.phase === "Ready").length === 5, { timeoutMs: 15_000, message: "5 hosts Ready" });

    const repo = join(cwd, ".koji-fleet/gitops");
    const yaml = await readFile(join(repo, "fleet.yaml"), "utf8");
    await writeFile(join(repo, "fleet.yaml"), yaml.replace("maxjobs: 10", "maxjobs: 3"));
    await runGit(repo, ["commit", "-qam", "three jobs"]);
    const kojid = join(cwd, ".koji-fleet/hosts/cs10-koji-03/etc/kojid/kojid.conf");
    await waitFor(async () => /^maxjobs = 3$/m.test(await readFile(kojid, "utf8")), { timeoutMs: 10_000, message: "kojid.conf with maxjobs = 3" });
    expect(out).toMatch(/cs10-koji-03\s+applied/);

    const exited = new Promise<number | null>((r) => p.once("exit", (code) => r(code)));
    p.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(out).toContain("stopping…");
  });
});
