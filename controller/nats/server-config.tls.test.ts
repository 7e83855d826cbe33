// The TLS variant against a real nats-server: certificates from a throwaway openssl CA, users
// mapped from the certificate DN by verify_and_map, the same per-host permissions.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type ConnectionOptions, type NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { startNatsServer, type NatsServer } from "./embedded-server.js";
import { ControllerBus } from "./bus.js";
import { AgentBus, type DesiredEntry } from "../../agent/bus.js";
import { silentLogger } from "../../shared/log.js";
import { BUCKET_DESIRED, BUCKET_STATUS, agentInboxPrefix } from "../../shared/names.js";
import type { Catalog, HostStatus } from "../../shared/protocol.js";
import { renderNatsConfig } from "./server-config.js";

const CONTROLLER_DN = "CN=controller,OU=controller,O=koji-fleet";
const catalog = (host: string): Catalog =>
  ({ protocol: "kf.v1.catalog", host, revision: "abcdef1", generation: 1, issuedAt: new Date().toISOString(), digest: `sha256:${"0".repeat(64)}`, roles: [], resources: [], probes: [] }) as Catalog;

describe("mTLS with verify_and_map against a real nats-server", () => {
  let dir: string;
  let server: NatsServer;
  const conns: NatsConnection[] = [];
  const openssl = (...args: string[]): void => void execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
  /** Key + certificate signed by the test CA; subject in openssl's /O=…/OU=…/CN=… form. */
  const issue = async (name: string, subject: string, ext: string, ca = "ca"): Promise<void> => {
    await writeFile(join(dir, `${name}.ext`), ext);
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject);
    openssl("x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.pem`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-days", "1", "-out", `${name}.pem`, "-extfile", `${name}.ext`);
  };
  const client = (name: string): Partial<ConnectionOptions> => ({
    tls: { caFile: join(dir, "ca.pem"), certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}.key`) },
  });
  const login = async (opts: Partial<ConnectionOptions>): Promise<NatsConnection> => {
    const nc = await connect({ servers: server.url, maxReconnectAttempts: 0, ...opts });
    conns.push(nc);
    return nc;
  };
  const clientExt = "extendedKeyUsage=clientAuth\n";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kf-natstls-"));
    for (const ca of ["ca", "rogue-ca"]) {
      openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${ca}.key`, "-out", `${ca}.pem`, "-days", "1", "-subj", `/O=koji-fleet/CN=${ca}`);
    }
    await issue("server", "/CN=localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
    await issue("controller", "/O=koji-fleet/OU=controller/CN=controller", clientExt);
    for (const h of ["host-a", "host-b", "host-c"]) await issue(h, `/O=koji-fleet/OU=agents/CN=${h}`, clientExt);
    await issue("rogue-a", "/O=koji-fleet/OU=agents/CN=host-a", clientExt, "rogue-ca"); // right DN, wrong CA
    const config = renderNatsConfig({
      hosts: ["host-a", "host-b", "host-c"],
      revokedHosts: ["host-c"],
      tls: { certFile: join(dir, "server.pem"), keyFile: join(dir, "server.key"), caFile: join(dir, "ca.pem") },
      controller: { user: CONTROLLER_DN },
    });
    server = await startNatsServer({ storeDir: join(dir, "store"), config });
    const bus = await ControllerBus.open(await login(client("controller")), silentLogger());
    await bus.putCatalog(catalog("host-a"));
    await bus.putCatalog(catalog("host-b"));
  });
  afterAll(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => {})));
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("maps host-a's certificate to its user: the real agent bus watches and reports", async () => {
    const nc = await login({ ...client("host-a"), inboxPrefix: agentInboxPrefix("host-a") });
    const agent = await AgentBus.open(nc, "host-a", silentLogger());
    const got: DesiredEntry[] = [];
    void agent.watchDesired((e) => got.push(e), { retryMs: 100 });
    await expect.poll(() => got.length, { timeout: 5_000 }).toBe(1);
    expect(JSON.parse(new TextDecoder().decode(got[0]!.data))).toMatchObject({ host: "host-a" });
    await agent.putStatus({ protocol: "kf.v1.status", host: "host-a" } as HostStatus);
    agent.stop();

    // …and confines it to host-a, exactly as with passwords
    const kvm = new Kvm(jetstream(nc, { checkAPI: false }));
    await expect((await kvm.open(BUCKET_DESIRED, { allow_direct: true })).get("host-b")).rejects.toThrow(/Permissions Violation/);
    await expect((await kvm.open(BUCKET_STATUS, { allow_direct: true })).put("host-b", "{}")).rejects.toThrow(/Permissions Violation/);
  });

  it("refuses a revoked host's certificate, a certificate from another CA, and clients without one", async () => {
    // A valid certificate whose DN has no user: the server says so.
    await expect(login(client("host-c"))).rejects.toThrow(/Authorization Violation/i);
    // No certificate, or one from another CA: the server aborts the TLS handshake, which the
    // client only notices as a connect timeout (TLS 1.3 verifies the client after "finished").
    await expect(login({ ...client("rogue-a"), timeout: 2_000 })).rejects.toThrow(/timeout/);
    await expect(login({ tls: { caFile: join(dir, "ca.pem") }, timeout: 2_000 })).rejects.toThrow(/timeout/);
    await expect(login({})).rejects.toThrow(/unable to verify/); // the server requires TLS; without the CA the client cannot verify it
  });
});
