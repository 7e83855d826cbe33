// `koji-fleet ca issue` through the real binary (bin/koji-fleet.js over the built dist/): the
// certificates it writes make real TLS handshakes with Node's tls and a real nats-server, and
// each is refused where its key usage says it does not belong.
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync, watch, writeFileSync } from "node:fs";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { connect as tlsConnect, createServer, type TLSSocket } from "node:tls";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "@nats-io/transport-node";
import { renderNatsConfig } from "../controller/nats/server-config.js";
import { startNats, type NatsHandle } from "./support/nats.js";
import { useTmpDirs } from "./support/tmp.js";

const BIN = fileURLToPath(new URL("../bin/koji-fleet.js", import.meta.url));
const tmp = useTmpDirs();

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

/** What the certificate says, as openssl prints it. */
const text = (file: string): string => execFileSync("openssl", ["x509", "-in", file, "-noout", "-text"], { encoding: "utf8" });

/**
 * One handshake between a server that requires a client certificate and a client, with the given
 * files: "ok", or which side refused the other's certificate and why. The server checks the
 * client certificate itself (rejectUnauthorized: false, then authorizationError): a refusing
 * server only resets the connection, which says nothing about the reason.
 */
async function handshake(server: { cert: string; key: string }, client: { cert?: string; key?: string }, ca: string): Promise<string> {
  const read = (f: string) => readFileSync(f);
  let serverVerdict = (): string => "ok";
  const srv = createServer({ cert: read(server.cert), key: read(server.key), ca: read(ca), requestCert: true, rejectUnauthorized: false }, (s: TLSSocket) => {
    if (s.authorized) return void s.end("hi");
    serverVerdict = () => `server: ${String(s.authorizationError)}`;
    s.destroy();
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  try {
    return await new Promise<string>((resolve) => {
      const sock = tlsConnect({ host: "127.0.0.1", port, servername: "localhost", ca: read(ca), ...(client.cert ? { cert: read(client.cert), key: read(client.key!) } : {}) });
      sock.once("data", () => (sock.end(), resolve("ok")));
      sock.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNRESET" ? serverVerdict() : `client: ${e.code ?? e.message}`));
      sock.once("end", () => resolve(serverVerdict()));
    });
  } finally {
    await new Promise((r) => srv.close(r));
  }
}

describe("koji-fleet ca issue", () => {
  let dir: string;
  let config: string;
  const f = (name: string) => join(dir, "out", name);
  let nats: NatsHandle | undefined;

  beforeAll(async () => {
    dir = await tmp();
    config = join(dir, "controller.yaml");
    await writeFile(config, `git:\n  url: ${dir}/repo\nnats:\n  servers: [nats://127.0.0.1:4222]\nstateDir: ${dir}/state\nca:\n  dir: ${dir}/ca\n`);
    expect((await run(["ca", "init", "--config", config])).code).toBe(0);
    execFileSync("mkdir", [join(dir, "out")]);
    const issue = (...args: string[]) => run(["ca", "issue", ...args, "--out-dir", join(dir, "out"), "--config", config]);
    const results = await Promise.all([
      issue("server", "localhost", "--san", "localhost", "--san", "127.0.0.1"),
      issue("client", "controller", "--org", "koji-fleet", "--ou", "controller", "--days", "30"),
    ]);
    for (const r of results) expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(results[1]!.stdout).toContain(`nats-server's verify_and_map user: "CN=controller,OU=controller,O=koji-fleet"`);
    await writeFile(join(dir, "ca.crt"), (await run(["ca", "export", "--config", config])).stdout);
  }, 60_000);
  afterAll(async () => nats?.stop());

  it("writes the keys 0600 and each certificate followed by the CA", () => {
    for (const name of ["localhost", "controller"]) {
      expect(statSync(f(`${name}.key`)).mode & 0o777).toBe(0o600);
      const pems = readFileSync(f(`${name}.crt`), "utf8").match(/-----BEGIN CERTIFICATE-----/g);
      expect(pems).toHaveLength(2);
      expect(readFileSync(f(`${name}.crt`), "utf8").endsWith(readFileSync(join(dir, "ca.crt"), "utf8"))).toBe(true);
    }
  });

  it("puts the key usage of each kind in the certificate", () => {
    const server = text(f("localhost.crt"));
    expect(server).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(server).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication\n/);
    expect(server).toMatch(/Subject Alternative Name:\s+DNS:localhost, IP Address:127\.0\.0\.1/);
    expect(server).toMatch(/Subject: CN ?= ?localhost/);
    const client = text(f("controller.crt"));
    expect(client).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication\n/);
    expect(client).toMatch(/Subject: O ?= ?koji-fleet, OU ?= ?controller, CN ?= ?controller/);
    expect(client).not.toContain("Subject Alternative Name");
    expect(client).toMatch(/Not After : .*\n/);
  });

  it("a TLS handshake succeeds between the two, and each is refused in the other's place", async () => {
    const ca = join(dir, "ca.crt");
    const server = { cert: f("localhost.crt"), key: f("localhost.key") };
    const client = { cert: f("controller.crt"), key: f("controller.key") };
    expect(await handshake(server, client, ca)).toBe("ok");
    // A client certificate offered as a server's: the client refuses it for its purpose.
    expect(await handshake(client, client, ca)).toBe("client: INVALID_PURPOSE");
    // A server certificate offered as a client's: the server requiring client certificates refuses it.
    expect(await handshake(server, server, ca)).toBe("server: INVALID_PURPOSE");
    // No client certificate at all: refused too.
    expect(await handshake(server, {}, ca)).toMatch(/^server: .*CERT/);
  });

  it("nats-server runs with the server certificate and maps the client certificate to its user", async () => {
    const tls = { certFile: f("localhost.crt"), keyFile: f("localhost.key"), caFile: join(dir, "ca.crt") };
    nats = await startNats({ config: renderNatsConfig({ hosts: ["cs10-koji-01"], tls, controller: { user: "CN=controller,OU=controller,O=koji-fleet" } }) });
    const nc = await connect({ servers: `tls://localhost:${nats.port}`, tls: { caFile: join(dir, "ca.crt"), certFile: f("controller.crt"), keyFile: f("controller.key") }, maxReconnectAttempts: 0 });
    try {
      // verify_and_map: the connection is up only if the DN is a configured user
      expect(await nc.rtt()).toBeGreaterThanOrEqual(0);
      expect(nc.info?.tls_required).toBe(true);
    } finally {
      await nc.close();
    }
  });

  it("records what it issued: `ca revoke NAME` puts that certificate, and only it, in the CRL", async () => {
    const serial = (file: string) => execFileSync("openssl", ["x509", "-in", file, "-noout", "-serial"], { encoding: "utf8" }).trim().replace(/^serial=/, "").toLowerCase();
    const issued = readFileSync(join(dir, "ca", "issued.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(issued).toEqual(expect.arrayContaining([
      expect.objectContaining({ host: "localhost", issued: "server", subject: "CN=localhost" }),
      expect.objectContaining({ host: "controller", issued: "client", subject: "CN=controller,OU=controller,O=koji-fleet" }),
    ]));
    // A NAME with dots (nats-server's) is no host name, and still revocable.
    const dotted = await run(["ca", "issue", "server", "koji.example.org", "--san", "koji.example.org", "--out-dir", join(dir, "out"), "--config", config]);
    expect(dotted.code, dotted.stderr).toBe(0);
    for (const name of ["controller", "koji.example.org"]) {
      const r = await run(["ca", "revoke", name, "--config", config]);
      expect(r, r.stderr).toMatchObject({ code: 0, stdout: expect.stringContaining(`revoked 1 certificate(s) of ${name}`) });
    }
    const crl = join(dir, "ca", "koji_ca.crl");
    const listed = execFileSync("openssl", ["crl", "-in", crl, "-noout", "-text"], { encoding: "utf8" }).toLowerCase().replace(/[\s:]/g, "");
    expect(listed).toContain(`serialnumber${serial(f("controller.crt"))}`);
    expect(listed).toContain(`serialnumber${serial(f("koji.example.org.crt"))}`);
    expect(listed).not.toContain(serial(f("localhost.crt")));
    // OpenSSL, checking the CRL, refuses the revoked one and accepts the other.
    const verify = (cert: string) => {
      try {
        return execFileSync("openssl", ["verify", "-crl_check", "-CAfile", join(dir, "ca.crt"), "-CRLfile", crl, cert], { encoding: "utf8", stdio: "pipe" });
      } catch (err) {
        return String((err as { stdout?: string }).stdout) + String((err as { stderr?: string }).stderr);
      }
    };
    expect(verify(f("controller.crt"))).toMatch(/certificate revoked/);
    expect(verify(f("localhost.crt"))).toMatch(/: OK/);
    expect((await run(["ca", "revoked", "--config", config])).stdout).toBe("controller (ca issue client)\nkoji.example.org (ca issue server)\n");
    expect((await run(["ca", "revoke", "no.such.name", "--config", config])).code).toBe(2);
  });

  it("a file created at the target after its check is not replaced: exit 2, its content kept, nothing else left or recorded", { timeout: 60_000 }, async () => {
    const out = join(dir, "race");
    execFileSync("mkdir", [out]);
    // Plant NAME.key the moment the command's temp file for it appears: after its check, before its write.
    for (let i = 0; i < 20; i++) {
      const name = `race-${i}`;
      let planted = false;
      const watcher = watch(out, (_e, file) => {
        if (planted || !String(file).startsWith(`.${name}.key.`)) return;
        planted = true;
        try {
          writeFileSync(join(out, `${name}.key`), "planted\n", { flag: "wx" });
        } catch {
          planted = false; // the command placed its key first: no race this time
        }
      });
      const r = await run(["ca", "issue", "client", name, "--out-dir", out, "--config", config]).finally(() => watcher.close());
      if (!planted) continue;
      expect(r, r.stdout).toMatchObject({ code: 2, stderr: expect.stringContaining(`${join(out, `${name}.key`)} exists; refusing to replace it`) });
      expect(readFileSync(join(out, `${name}.key`), "utf8")).toBe("planted\n");
      expect(existsSync(join(out, `${name}.crt`))).toBe(false);
      expect((await readdir(out)).filter((x) => x.startsWith(`.${name}`))).toEqual([]);
      expect(readFileSync(join(dir, "ca", "issued.jsonl"), "utf8")).not.toContain(`"${name}"`);
      return;
    }
    throw new Error("the planted file never landed between the check and the write in 20 runs");
  });

  it("refuses a server certificate without --san, and replacing files", async () => {
    const r = await run(["ca", "issue", "server", "nats", "--out-dir", join(dir, "out"), "--config", config]);
    expect(r).toMatchObject({ code: 2, stderr: expect.stringContaining("a server certificate needs at least one --san") });
    const again = await run(["ca", "issue", "client", "controller", "--out-dir", join(dir, "out"), "--config", config]);
    expect(again).toMatchObject({ code: 2, stderr: expect.stringContaining(`${f("controller.key")} exists; refusing to replace it`) });
    const kind = await run(["ca", "issue", "sever", "x", "--san", "x", "--config", config]);
    expect(kind.stderr).toContain("unknown certificate kind 'sever' (did you mean 'server'?)");
  });
});
