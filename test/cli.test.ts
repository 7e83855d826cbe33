// The real binary (bin/koji-fleet.js over the built dist/), as a user runs it.
import { spawn, execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { useTmpDirs } from "./support/tmp.js";
import { waitFor } from "./support/wait.js";
import { runGit } from "./support/git.js";
import type { HostView } from "../shared/api/hosts.js";

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
    expect(r.stderr).toMatch(new RegExp(`^${dir}/fleet\\.yaml:\\d+:\\d+: hosts\\[\\d\\] cs10-koji-\\d\\d: unknown role 'databse' \\(did you mean 'database'\\?\\); allowed: `, "m"));
  });

  it.each([
    ["agent", ["agent", "--config"], "agent.yaml", "koji-fleet-agent"],
    ["controller", ["controller", "--config"], "controller.yaml", "koji-fleet-controller"],
    ["ca", ["ca", "export", "--config"], "controller.yaml", "koji-fleet-controller"],
    ["token", ["token", "create", "cs10-koji-01", "--config"], "controller.yaml", "koji-fleet-controller"],
  ])("%s with a missing config file → exit 1 with the path and how to create it (not ENOENT, 70)", async (_cmd, args, name, pkg) => {
    const file = join(await tmp(), name);
    const r = await run([...args, file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`KF_ERR_CONFIG_INVALID: ${file}: no such file; create it: the ${pkg} package installs a commented one there`);
    expect(r.stderr).toContain(`copy packaging/config/${name}`);
    expect(r.stderr).not.toContain("ENOENT");
  });

  it("an unknown option → exit 2 (KF_ERR_USAGE), not an internal error", async () => {
    const r = await run(["ca", "export", "--bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("KF_ERR_USAGE: Unknown option '--bogus'");
  });

  it("agent with the shipped agent.yaml → exit 1: set `host`, it is still CHANGE-ME (not the host name pattern)", async () => {
    const file = fileURLToPath(new URL("../packaging/config/agent.yaml", import.meta.url));
    const r = await run(["agent", "--config", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:11:7: set \`host\` in ${file}: it is still CHANGE-ME`);
    expect(r.stderr).not.toContain("must match pattern");
  });

  it.each([
    [["rollout", "bogus"], "unknown subcommand 'bogus'; one of: status, resume, abort"],
    [["rollout", "stauts"], "unknown subcommand 'stauts' (did you mean 'status'?); one of: status, resume, abort"],
    [["ca", "bogus"], "unknown subcommand 'bogus'; one of: init, export, revoked, revoke, user, issue"],
    [["token", "crate", "cs10-koji-01"], "unknown subcommand 'crate' (did you mean 'create'?); one of: create"],
    [["events", "--type", "nosuchtype"], "unknown event type 'nosuchtype'; one of: "],
    [["events", "--type", "revison-accepted"], "unknown event type 'revison-accepted' (did you mean 'revision-accepted'?)"],
  ])("%j → exit 2 (KF_ERR_USAGE), naming the value and the choices", async (args, message) => {
    const r = await run([...args, ...(["rollout", "events"].includes(args[0]!) ? ["--api", "http://127.0.0.1:9"] : [])]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`KF_ERR_USAGE: ${message}`);
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
    await waitFor(async () => (await hosts()).filter((h) => h.phase === "Ready").length === 5, { timeoutMs: 30_000, message: "5 hosts Ready" });

    const repo = join(cwd, ".koji-fleet/gitops");
    const yaml = await readFile(join(repo, "fleet.yaml"), "utf8");
    await writeFile(join(repo, "fleet.yaml"), yaml.replace("maxjobs: 10", "maxjobs: 3"));
    await runGit(repo, ["commit", "-qam", "three jobs"]);
    const kojid = join(cwd, ".koji-fleet/hosts/cs10-koji-03/etc/kojid/kojid.conf");
    await waitFor(async () => /^maxjobs = 3$/m.test(await readFile(kojid, "utf8")), { timeoutMs: 10_000, message: "kojid.conf with maxjobs = 3" });
    expect(out).toMatch(/cs10-koji-03\s+applied/);

    // up says where its controller.yaml is; ca, token and the API commands work against it as in production
    expect(out).toContain(`dashboard:  ${api}/`);
    const config = join(cwd, ".koji-fleet/controller.yaml");
    expect(out).toContain(`config:     ${config}`);
    expect(out).toContain(`koji-fleet hosts --api ${api}`);
    const ca = await run(["ca", "export", "--config", config]);
    expect(ca.code, ca.stderr).toBe(0);
    expect(ca.stdout).toBe(await readFile(join(cwd, ".koji-fleet/ca/koji_ca_cert.crt"), "utf8"));
    const token = await run(["token", "create", "cs10-koji-03", "--config", config]);
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout.trim()).toMatch(/^\S{20,}$/);
    expect(await run(["token", "create", "nosuchhost", "--config", config])).toMatchObject({ code: 3, stderr: expect.stringContaining("nosuchhost is not in the fleet") });
    const list = await run(["hosts", "--api", api]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^cs10-koji-03\s+builder\s+Ready/m);

    const exited = new Promise<number | null>((r) => p.once("exit", (code) => r(code)));
    p.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(out).toContain("stopping…");
  });
});

describe("koji-fleet ca", () => {
  it("init, export, revoke (with a CRL openssl reads), revoked, user bundle", async () => {
    const dir = await tmp();
    const config = join(dir, "controller.yaml");
    await writeFile(config, `git:\n  url: ${dir}/repo\nnats:\n  servers: [nats://127.0.0.1:4222]\nstateDir: ${dir}/state\nca:\n  dir: ${dir}/ca\n`);
    expect((await run(["ca", "init", "--org", "mx-os-koji", "--config", config])).code).toBe(0);
    expect((await run(["ca", "init", "--config", config])).stderr).toContain("already exists");
    expect((await run(["ca", "export", "--config", config])).stdout).toMatch(/^-----BEGIN CERTIFICATE-----/);

    // what the controller records when it signs a host's certificate
    const { CertificateAuthority } = await import("../controller/ca/authority.js");
    const { CaRegistry } = await import("../controller/ca/registry.js");
    const { createCsr, generateKeyPem } = await import("../agent/csr.js");
    const { createPrivateKey } = await import("node:crypto");
    const ca = await CertificateAuthority.load(join(dir, "ca"));
    const issued = ca.issue(createCsr(createPrivateKey(await generateKeyPem()), [["CN", "cs10-koji-03"]]), { subject: [["CN", "cs10-koji-03"]], usage: "client", days: 30 });
    await new CaRegistry(join(dir, "ca")).record("cs10-koji-03", "agent", issued);

    const revoke = await run(["ca", "revoke", "cs10-koji-03", "--config", config]);
    expect(revoke).toMatchObject({ code: 0, stdout: expect.stringContaining("revoked 1 certificate(s) of cs10-koji-03") });
    const { execFileSync } = await import("node:child_process");
    expect(execFileSync("openssl", ["crl", "-in", join(dir, "ca/koji_ca.crl"), "-noout", "-text"], { encoding: "utf8" })).toContain(issued.serial.toUpperCase());
    expect((await run(["ca", "revoked", "--config", config])).stdout).toBe("cs10-koji-03\n");

    await writeFile(join(dir, "pw"), "correct horse\n");
    expect((await run(["ca", "user", "alice", "--password-file", join(dir, "pw"), "--out", join(dir, "alice.p12"), "--config", config])).code).toBe(0);
    expect(execFileSync("openssl", ["pkcs12", "-in", join(dir, "alice.p12"), "-passin", "pass:correct horse", "-nokeys"], { encoding: "utf8" })).toContain("CN = alice");
  });
});
