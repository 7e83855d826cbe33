// `koji-fleet cloud-init HOST` through the real binary (over the built dist/) against a running
// controller: the user-data passes Debian's real `cloud-init schema`, and its token is one the
// controller redeems for HOST (made as `token create` makes it).
import { execFile } from "node:child_process";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { TokenStore, tokenFile } from "../controller/ca/tokens.js";
import { TestFleet } from "./support/fleet.js";
import { useTmpDirs } from "./support/tmp.js";
import { waitFor } from "./support/wait.js";

const BIN = fileURLToPath(new URL("../bin/koji-fleet.js", import.meta.url));
const tmp = useTmpDirs();
type Run = { code: number; stdout: string; stderr: string };

function exec(cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, KOJI_FLEET_API: "", KOJI_FLEET_TOKEN_FILE: "" } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}
const run = (args: string[]) => exec(process.execPath, [BIN, ...args]);

describe("koji-fleet cloud-init", { timeout: 90_000 }, () => {
  let fleet: TestFleet;
  let dir: string;
  let config: string;
  const args = (host: string) => [
    "cloud-init", host, "--nats", "tls://koji-controller.example.org:4222", "--repo", "http://koji-controller.example.org/koji-fleet/el10/",
    "--enroll-cert", join(dir, "tls/enroll.crt"), "--enroll-key", join(dir, "tls/enroll.key"), "--config", config, "--api", fleet.apiUrl,
  ];

  beforeAll(async () => {
    fleet = await TestFleet.start({ startAgents: false });
    await waitFor(async () => fleet.controller.fleet.lastGood?.sha ?? false, { timeoutMs: 30_000, message: "first revision accepted" });
    dir = await tmp();
    config = join(dir, "controller.yaml");
    await writeFile(config, `git:\n  url: ${dir}/repo\nnats:\n  servers: [nats://127.0.0.1:4222]\nstateDir: ${dir}/state\nca:\n  dir: ${dir}/ca\n`);
    await mkdir(join(dir, "tls"));
    expect((await run(["ca", "init", "--config", config])).code).toBe(0);
    expect((await run(["ca", "issue", "client", "enroll", "--org", "koji-fleet", "--ou", "enrollment", "--out-dir", join(dir, "tls"), "--config", config])).code).toBe(0);
  }, 90_000);
  afterAll(async () => fleet?.stop());

  it("prints user-data that cloud-init's schema accepts, with a token the controller redeems once for the host", async () => {
    const r = await run(args("cs10-koji-03"));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const file = join(dir, "user-data");
    await writeFile(file, r.stdout, { mode: 0o600 });
    const schema = await exec("cloud-init", ["schema", "--config-file", file]);
    expect(schema, "cloud-init (apt-get install cloud-init) must be installed").toMatchObject({ code: 0, stdout: expect.stringContaining(`Valid cloud-config: ${file}`) });

    const doc = parse(r.stdout) as { write_files: { path: string; content: string }[] };
    const token = doc.write_files.find((f) => f.path === "/etc/koji-fleet/enrollment-token")!.content.trim();
    const store = new TokenStore(tokenFile(join(dir, "state")));
    expect(await store.redeem("cs10-koji-03", token)).toMatchObject({ ok: true, record: { host: "cs10-koji-03" } });
    expect(await store.redeem("cs10-koji-03", token)).toMatchObject({ ok: false, reason: expect.stringContaining("replay refused") });
  });

  it("the schema check is real: it refuses user-data with a wrong type", async () => {
    const file = join(dir, "bad");
    await writeFile(file, "#cloud-config\nwrite_files: 3\n");
    expect((await exec("cloud-init", ["schema", "--config-file", file])).code).not.toBe(0);
  });

  it("refuses a host not in the fleet (exit 3) and a missing enrollment key (exit 3), with no token made", async () => {
    const tokens = () => readdir(tokenFile(join(dir, "state"))).catch(() => []);
    const before = await tokens();
    const notInFleet = await run(args("nosuchhost"));
    expect(notInFleet).toMatchObject({ code: 3, stdout: "", stderr: expect.stringContaining("nosuchhost is not in the fleet") });
    const noKey = await run([...args("cs10-koji-02"), "--enroll-key", join(dir, "missing.key")]);
    expect(noKey).toMatchObject({ code: 3, stdout: "", stderr: expect.stringContaining(`the enrollment key ${join(dir, "missing.key")}`) });
    const usage = await run(["cloud-init", "cs10-koji-02", "--config", config]);
    expect(usage.code).toBe(2);
    expect(await tokens()).toEqual(before);
  });
});
