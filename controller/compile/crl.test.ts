// Revocation in the catalogs: every host whose httpd verifies client certificates (hub, web,
// lookaside: the one vhost asks for them) gets the CA's CRL and checks it; a revoke changes
// that file there and nothing anywhere else.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createPrivateKey } from "node:crypto";
import type { CatalogContent } from "../../shared/protocol.js";
import { silentLogger } from "../../shared/log.js";
import { createCsr, generateKeyPem } from "../../agent/csr.js";
import { useTmpDirs } from "../../test/support/tmp.js";
import { CertificateAuthority } from "../ca/authority.js";
import { CaRegistry } from "../ca/registry.js";
import { readCrl, RevocationList } from "../ca/revocation.js";
import { diffCatalogs } from "./catalog-diff.js";
import { compileFleet } from "./compile.js";
import { PATHS } from "./farm.js";
import { directivesNamed, httpdStructure } from "./httpd-lint.js";
import { BUILDER, compiled, HUB, LOOKASIDE, reference } from "../../test/support/compiled-fleet.js";

const tmp = useTmpDirs();
const WEB_ONLY = "cs10-koji-05";
const CRL_ID = `file:${PATHS.crl}`;
const SSL_ID = `file:${PATHS.sslConf}`;

/** The reference farm plus a web-only host: all three shapes of the httpd vhost. */
function farm() {
  const fleet = reference();
  fleet.hosts.push({ name: WEB_ONLY, address: "192.168.122.15", roles: ["web"] });
  return fleet;
}

const sslOf = (c: CatalogContent) => c.resources.find((r) => r.id === SSL_ID);
/** Hosts whose rendered ssl.conf asks clients for a certificate. */
const verifiesClients = (catalogs: readonly CatalogContent[]) =>
  catalogs.filter((c) => {
    const ssl = sslOf(c);
    return ssl !== undefined && directivesNamed(httpdStructure(String(ssl.props.content)), "SSLVerifyClient").length > 0;
  }).map((c) => c.host);

describe("the CRL in the catalogs", () => {
  let before: CatalogContent[];
  let after: CatalogContent[];
  let revokedSerial: string;

  beforeAll(async () => {
    const ca = await CertificateAuthority.init(join(await tmp("kf-crl-compile-"), "ca"), { subject: [["O", "mx-os-koji"], ["CN", "Koji CA"]], keyBits: 2048 });
    const registry = new CaRegistry(ca.dir);
    const csr = createCsr(createPrivateKey(await generateKeyPem()), [["CN", "x"]]);
    const kojid = ca.issue(csr, { subject: [["O", "mx-os-koji"], ["OU", "kojid"], ["CN", `${BUILDER}.mx-os`]], usage: "client", days: 30 });
    await registry.record(BUILDER, "kojid", kojid);
    revokedSerial = kojid.serial;
    const list = await RevocationList.open(ca, registry, () => new Date(), silentLogger());
    before = compileFleet(farm(), { crlPem: list.pem });
    await registry.revokeHost(BUILDER);
    expect(await list.refresh()).toBe(true);
    after = compileFleet(farm(), { crlPem: list.pem });
  });

  it("the hosts that verify client certificates are the httpd ones: hub+web, web only, lookaside", () => {
    expect(verifiesClients(after).sort()).toEqual([HUB, LOOKASIDE, WEB_ONLY].sort());
  });

  it("revoking a host changes the CRL file in every catalog that verifies clients, and nothing else anywhere", () => {
    const verifying = verifiesClients(after);
    for (const d of diffCatalogs(before, after)) {
      if (!verifying.includes(d.host)) {
        expect(d.status, d.host).toBe("unchanged");
        continue;
      }
      expect(d.added, d.host).toEqual([]);
      expect(d.removed, d.host).toEqual([]);
      expect(d.changed.map((c) => [c.id, c.props.map((p) => p.key)]), d.host).toEqual([[CRL_ID, ["content"]]]);
      const content = String(after.find((c) => c.host === d.host)!.resources.find((r) => r.id === CRL_ID)!.props.content);
      expect(readCrl(content).serials).toEqual([revokedSerial.replace(/^0+/, "")]);
    }
  });

  it("each of them checks that file for the whole chain, inside the vhost, and reloads httpd when it changes", () => {
    for (const c of after.filter((x) => verifiesClients(after).includes(x.host))) {
      const s = httpdStructure(String(sslOf(c)!.props.content));
      expect(s.errors).toEqual([]);
      const within = (name: string) => directivesNamed(s, name).map((d) => [d.args, d.within]);
      expect(within("SSLCARevocationFile"), c.host).toEqual([[PATHS.crl, ["VirtualHost _default_:443"]]]);
      expect(within("SSLCARevocationCheck"), c.host).toEqual([["chain", ["VirtualHost _default_:443"]]]);
      const crl = c.resources.find((r) => r.id === CRL_ID)!;
      expect(crl.props).toMatchObject({ path: PATHS.crl, mode: "0644", owner: "root", group: "root" });
      expect(crl.notifies).toEqual(["service:httpd.service"]);
      // mod_ssl refuses to load a config naming a missing CRL file, so it comes first.
      expect(sslOf(c)!.requires).toContain(CRL_ID);
    }
  });

  it("without a CA (offline plan) there is no CRL to check: neither the file nor the directives", () => {
    const c = compiled(farm());
    expect(c.find(HUB, CRL_ID)).toBeUndefined();
    expect(c.content(HUB, PATHS.sslConf)).not.toMatch(/SSLCARevocation/);
  });

  it("refuses a crlPem that is not a PEM CRL", () => {
    expect(() => compileFleet(farm(), { crlPem: "-----BEGIN CERTIFICATE-----\n" })).toThrow(/crlPem is not a PEM CRL/);
  });
});
