// `koji-fleet nats-config` on the example fleet: flags, the passwords side file, and a config
// that a real nats-server accepts.
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { jetstream } from "@nats-io/jetstream";
import { freePort } from "../../test/support/net.js";
import { waitFor } from "../../test/support/wait.js";
import { startNatsServer } from "../../controller/nats/embedded-server.js";
import { natsConfigCommand } from "./nats-config.js";

const FLEET = join(import.meta.dirname, "../../gitops/fleet.yaml");
const SD = ["--store-dir", "/var/lib/nats/js"];
const HOSTS = ["cs10-koji-00", "cs10-koji-01", "cs10-koji-02", "cs10-koji-03", "cs10-koji-04"];

describe("koji-fleet nats-config", () => {
  let dir: string;
  let stderr: string[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kf-natscli-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  afterEach(() => vi.restoreAllMocks());
  const run = async (...args: string[]): Promise<{ code: number; out: string }> => {
    let out = "";
    stderr = [];
    vi.spyOn(process.stdout, "write").mockImplementation((s) => ((out += String(s)), true));
    vi.spyOn(console, "log").mockImplementation((s: unknown) => void (out += `${String(s)}\n`));
    vi.spyOn(console, "error").mockImplementation((s: unknown) => void stderr.push(String(s)));
    const code = await natsConfigCommand.run(args[0] === "--help" || args.includes("--store-dir") ? args : [...args, ...SD]);
    vi.restoreAllMocks();
    return { code, out };
  };

  it("password mode: generates a 0600 passwords file, writes a 0640 config nats-server accepts", async () => {
    const pwFile = join(dir, "passwords.json");
    const out = join(dir, "nats.conf");
    const first = await run("--fleet", FLEET, "--passwords-file", pwFile, "--revoke", "cs10-koji-04", "--out", out);
    expect(first.code).toBe(0);
    expect(stderr.join("\n")).toMatch(/tests and sandboxes only/);
    const pw = JSON.parse(await readFile(pwFile, "utf8")) as Record<string, string>;
    expect(Object.keys(pw).sort()).toEqual(["controller", "enroll", ...HOSTS.slice(0, 4)].sort());
    expect((await stat(pwFile)).mode & 0o777).toBe(0o600);
    expect((await stat(out)).mode & 0o777).toBe(0o640);
    const text = await readFile(out, "utf8");
    expect(text).toContain(`{ user: "cs10-koji-03", password: "${pw["cs10-koji-03"]}"`);
    expect(text).not.toContain("cs10-koji-04");

    // the same passwords on a second run: the output is stable
    expect((await run("--fleet", FLEET, "--passwords-file", pwFile, "--revoke", "cs10-koji-04")).out).toBe(text);

    expect(text).toContain('jetstream { store_dir: "/var/lib/nats/js" }');
    // the embedded launcher brings its own -js -sd, which may not be repeated in the file
    const server = await startNatsServer({ storeDir: join(dir, "store"), config: text.replace(/^jetstream \{.*\n/m, "") });
    try {
      const nc = await connect({ servers: server.url, user: "cs10-koji-03", pass: pw["cs10-koji-03"], maxReconnectAttempts: 0 });
      await nc.close();
      await expect(connect({ servers: server.url, user: "cs10-koji-04", pass: "x", maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization/i);
    } finally {
      await server.stop();
    }
  });

  it("TLS mode: DN users, no passwords, defaults documented in --help", async () => {
    const { code, out } = await run("--fleet", FLEET, "--tls-cert", "/s.pem", "--tls-key", "/s.key", "--tls-ca", "/ca.pem", "--listen", "0.0.0.0:4222");
    expect(code).toBe(0);
    expect(out).toContain("verify_and_map: true");
    expect(out).toContain('{ user: "CN=cs10-koji-00,OU=agents,O=koji-fleet"');
    expect(out).toContain('{ user: "CN=controller,OU=controller,O=koji-fleet" }');
    expect(out).toContain('listen: "0.0.0.0:4222"');
    expect(out).not.toContain("password:");
    expect((await run("--help")).out).toContain("--passwords-file");
  });

  it("usage and fleet errors", async () => {
    expect((await run("--fleet", FLEET)).code).toBe(2); // no TLS, no passwords file
    expect((await run("--fleet", FLEET, "--tls-cert", "/s.pem")).code).toBe(2);
    expect((await run("--fleet", FLEET, "--bogus")).code).toBe(2);
    expect((await run("--fleet", FLEET, "--passwords-file", join(dir, "p1.json"), "--store-dir", "")).code).toBe(2);
    expect((await run("--fleet", FLEET, "--passwords-file", join(dir, "p2.json"), "--listen", "nowhere")).code).toBe(2);
    expect((await run("--fleet", FLEET, "--passwords-file", join(dir, "p3.json"), "--controller-user", "cs10-koji-00")).code).toBe(2);
    expect(stderr.join("\n")).toMatch(/defined twice/);
    const bad = join(dir, "bad.yaml");
    await writeFile(bad, "apiVersion: nope\n");
    expect((await run("--fleet", bad, "--passwords-file", join(dir, "p4.json"))).code).toBe(1);
    await writeFile(join(dir, "p5.json"), "[1]");
    expect((await run("--fleet", FLEET, "--passwords-file", join(dir, "p5.json"))).code).toBe(1);
  });

  it("--cluster: one file per member; the three servers form a cluster that keeps an R3 bucket", { timeout: 60_000 }, async () => {
    const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
    const nodes = ["n1", "n2", "n3"].map((n, i) => `${n}=127.0.0.1:${ports[i]}:${ports[i + 3]}`);
    const pwFile = join(dir, "cluster-passwords.json");
    const outDir = join(dir, "cluster");
    const store = join(dir, "cluster-store", "{node}");
    const args = ["--fleet", FLEET, "--passwords-file", pwFile, "--cluster", "kf", ...nodes.flatMap((n) => ["--node", n]), "--out-dir", outDir, "--store-dir", store];
    expect((await run(...args)).code).toBe(0);
    const pw = JSON.parse(await readFile(pwFile, "utf8")) as Record<string, string>;
    expect(pw["$cluster-route"]).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const texts = await Promise.all(["n1", "n2", "n3"].map((n) => readFile(join(outDir, `${n}.conf`), "utf8")));
    expect(texts[1]).toContain('server_name: "n2"');
    expect(texts[1]).toContain(`listen: "127.0.0.1:${ports[1]}"`);
    expect(texts[1]).toContain(`jetstream { store_dir: "${join(dir, "cluster-store", "n2")}" }`);
    expect(texts[1]).toContain(`listen: "127.0.0.1:${ports[4]}"`);
    expect(texts[1]).toContain(`"nats-route://route:${pw["$cluster-route"]}@127.0.0.1:${ports[3]}"`);
    expect((await stat(join(outDir, "n1.conf"))).mode & 0o777).toBe(0o640);

    const servers = await Promise.all(["n1", "n2", "n3"].map((n, i) => startNatsServer({ storeDir: join(dir, "cluster-run", n), config: texts[i]!, configOnly: true })));
    try {
      const nc = await connect({ servers: servers.map((s) => s.url), user: "controller", pass: pw.controller, maxReconnectAttempts: 0 });
      try {
        const kv = await waitFor(() => new Kvm(jetstream(nc)).create("kf-test", { replicas: 3 }), { timeoutMs: 20_000, message: "an R3 bucket" });
        await kv.put("k", "v");
        const info = await (await jetstreamManager(nc)).streams.info("KV_kf-test");
        expect(info.config.num_replicas).toBe(3);
        expect(info.cluster?.replicas?.length).toBe(2);
      } finally {
        await nc.close();
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  });

  it("--cluster refuses what cannot work", async () => {
    const node = (n: string, p: number) => ["--node", `${n}=127.0.0.1:${p}:${p + 1000}`];
    const base = ["--fleet", FLEET, "--passwords-file", join(dir, "pc.json"), "--cluster", "kf", "--out-dir", join(dir, "bad-cluster")];
    expect((await run(...base, ...node("a", 4222), ...node("b", 4223))).code).toBe(2);
    expect(stderr.join("\n")).toMatch(/at least 3/);
    expect((await run(...base, ...node("a", 4222), ...node("a", 4223), ...node("c", 4224))).code).toBe(2);
    expect(stderr.join("\n")).toMatch(/--node a given twice/);
    expect((await run(...base, ...node("a", 4222), ...node("b", 4223), ...node("c", 4224), "--listen", "0.0.0.0:4222")).code).toBe(2);
    expect((await run("--fleet", FLEET, "--passwords-file", join(dir, "pc.json"), ...node("a", 4222))).code).toBe(2);
    expect(stderr.join("\n")).toMatch(/--node and --out-dir go with --cluster/);
    expect((await run("--fleet", FLEET, "--cluster", "kf", "--tls-cert", "/s.pem", "--tls-key", "/s.key", "--tls-ca", "/ca.pem", "--out-dir", join(dir, "x"), ...node("a", 4222), ...node("b", 4223), ...node("c", 4224))).code).toBe(2);
    expect(stderr.join("\n")).toMatch(/--cluster needs --passwords-file/);
    expect((await run("--fleet", FLEET, "--passwords-file", join(dir, "pc.json"), "--cluster", "kf", "--out-dir", join(dir, "y"), "--node", "a=nowhere", ...node("b", 4223), ...node("c", 4224))).code).toBe(2);
  });

  it("--cluster with TLS: routes are mutual TLS too, and route-authenticated", async () => {
    const tls = ["--tls-cert", "/s.pem", "--tls-key", "/s.key", "--tls-ca", "/ca.pem"];
    const out = join(dir, "tls-cluster");
    const nodes = ["a", "b", "c"].flatMap((n, i) => ["--node", `${n}=10.0.0.${i + 1}:4222:6222`]);
    expect((await run("--fleet", FLEET, ...tls, "--passwords-file", join(dir, "tls-pw.json"), "--cluster", "kf", "--out-dir", out, ...nodes)).code).toBe(0);
    const text = await readFile(join(out, "b.conf"), "utf8");
    expect(text).toContain('  tls { cert_file: "/s.pem", key_file: "/s.key", ca_file: "/ca.pem", verify: true, timeout: 2 }');
    expect(text).toContain('"nats-route://route:');
    expect(text).toContain("@10.0.0.3:6222");
    expect(text).toContain('listen: "10.0.0.2:4222"');
    expect(text).toContain("verify_and_map: true");
    // The passwords file holds the route secret only: TLS users have no password.
    expect(Object.keys(JSON.parse(await readFile(join(dir, "tls-pw.json"), "utf8")) as object)).toEqual(["$cluster-route"]);
  });
});
