// `koji-fleet ca issue` through the real binary (bin/koji-fleet.js over the built dist/): the
// certificates it writes make real TLS handshakes with Node's tls and a real nats-server, and
// each is refused where its key usage says it does not belong.
import { execFile, execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
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

  it("refuses a server certificate without --san, and replacing files", async () => {
    const r = await run(["ca", "issue", "server", "nats", "--out-dir", join(dir, "out"), "--config", config]);
    expect(r).toMatchObject({ code: 2, stderr: expect.stringContaining("a server certificate needs at least one --san") });
    const again = await run(["ca", "issue", "client", "controller", "--out-dir", join(dir, "out"), "--config", config]);
    expect(again).toMatchObject({ code: 2, stderr: expect.stringContaining(`${f("controller.key")} exists; refusing to replace it`) });
    const kind = await run(["ca", "issue", "sever", "x", "--san", "x", "--config", config]);
    expect(kind.stderr).toContain("unknown certificate kind 'sever' (did you mean 'server'?)");
  });
});
