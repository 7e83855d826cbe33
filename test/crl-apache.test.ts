// Revocation on a real Apache httpd (Debian's apache2 + mod_ssl): the hub's TLS vhost exactly as
// the compiler renders it, with the CRL file its catalog carries, refuses a revoked kojid
// certificate in the handshake and accepts (and verifies) one that was not revoked.
import { mkdir, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RevocationList } from "../controller/ca/revocation.js";
import { PATHS } from "../controller/compile/farm.js";
import { compiled, BUILDER, HUB, reference } from "./support/compiled-fleet.js";
import { silentLogger } from "../shared/log.js";
import { apacheConfig, configTest, requireApache2, sslConfOnDebian, startApache, type Apache } from "./support/apache.js";
import { farmPki, type Credential } from "./support/farm-pki.js";
import { freePort } from "./support/net.js";
import { useTmpDirs } from "./support/tmp.js";

const tmp = useTmpDirs();

/** A GET /index.html through the vhost as `who` (null: no client certificate). */
function get(port: number, fqdn: string, ca: string, who: Credential | null): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/index.html", servername: fqdn, headers: { host: fqdn }, ca, agent: false, ...(who ?? {}) }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("a revoked certificate on the hub's real httpd vhost", () => {
  let apache: Apache | undefined;
  let port: number;
  let fqdn: string;
  let caPem: string;
  let kept: Credential;
  let revoked: Credential;
  let sslConf: string;
  let syntax: string;

  beforeAll(async () => {
    requireApache2();
    const dir = await tmp("kf-crl-apache-");
    const { ca, registry, issue, dnsNames } = await farmPki(dir);
    // Certificates under the catalogs' own policies: the hub's server one; two clients, the
    // builder's kojid (to be revoked) and the hub's kojiadmin.
    fqdn = dnsNames(HUB, "kojihub")[0]!;
    const server = await issue(HUB, "kojihub");
    revoked = await issue(BUILDER, "kojid");
    kept = await issue(HUB, "kojiadmin");
    // What `koji-fleet ca revoke cs10-koji-03` records, and the CRL the controller publishes then.
    await registry.revokeHost(BUILDER);
    const crl = await RevocationList.open(ca, registry, () => new Date(), silentLogger());

    const c = compiled(reference(), { caCertPem: ca.certificatePem, crlPem: crl.pem });
    const pki = join(dir, "pki");
    await mkdir(join(pki, "certs"), { recursive: true });
    await mkdir(join(pki, "private"), { recursive: true, mode: 0o700 });
    await writeFile(join(pki, "certs", "kojihub.crt"), server.cert);
    await writeFile(join(pki, "private", "kojihub.key"), server.key, { mode: 0o600 });
    await writeFile(join(pki, "koji_ca_cert.crt"), ca.certificatePem);
    await writeFile(join(pki, "koji_ca.crl"), c.content(HUB, PATHS.crl));
    caPem = ca.certificatePem;
    sslConf = c.content(HUB, PATHS.sslConf);
    port = await freePort();
    const conf = await apacheConfig(dir, sslConfOnDebian(sslConf, dir, port), "Require ssl-verify-client");
    syntax = await configTest(conf);
    apache = await startApache(dir, conf, port);
  }, 60_000);
  afterAll(async () => {
    await apache?.stop();
  });

  it("the vhost under test is the hub's, checking the CRL for the whole chain, and apache2 -t accepts it", () => {
    expect(syntax).toMatch(/Syntax OK/);
    expect(sslConf).toContain(`ServerName ${fqdn}`);
    expect(sslConf).toMatch(/^ {4}SSLVerifyClient optional$/m);
    expect(sslConf).toMatch(/^ {4}SSLCARevocationCheck chain$/m);
  });

  it("accepts and verifies the certificate that was not revoked", async () => {
    // Require ssl-verify-client: a 200 means mod_ssl verified it (SSL_CLIENT_VERIFY=SUCCESS).
    expect(await get(port, fqdn, caPem, kept)).toEqual({ status: 200, body: "ok\n" });
    expect((await get(port, fqdn, caPem, null)).status).toBe(403);
  });

  it("refuses the revoked certificate in the TLS handshake", async () => {
    const outcome = await get(port, fqdn, caPem, revoked).then((r) => `HTTP ${r.status}`, (err: Error) => err.message);
    expect(outcome).toMatch(/certificate revoked/i);
    expect(await apache!.log("ssl_error_log")).toMatch(/Certificate Verification: Error \(23\): certificate revoked/);
  });
});
