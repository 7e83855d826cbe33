// Certificates end to end: key made on the host, CSR over NATS, signed under the catalog's policy.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { CertificateAuthority, CA_CERT_FILE } from "../controller/ca/authority.js";
import { serveCsrs } from "../controller/ca/csr-service.js";
import { CaRegistry } from "../controller/ca/registry.js";
import { agentSubject } from "../controller/ca/enrollment.js";
import { certificateKind, reissueReason } from "../agent/kinds/certificate.js";
import { AgentBus } from "../agent/bus.js";
import { createCsr, generateKeyPem } from "../agent/csr.js";
import { cycle, expectNoopMatchesApply, kindContext } from "./support/kinds.js";
import type { CertificateProps } from "../shared/certificate-props.js";
import type { Catalog } from "../shared/protocol.js";
import { agentInboxPrefix } from "../shared/names.js";
import { silentLogger } from "../shared/log.js";
import { startNats, type NatsHandle } from "./support/nats.js";
import { useTmpDirs } from "./support/tmp.js";

const tmp = useTmpDirs();
const HOST = "cs10-koji-03";
const props = (over: Partial<CertificateProps> = {}): CertificateProps => ({
  name: "kojid",
  keyFile: "/etc/pki/koji/private/kojid.key",
  certFile: "/etc/pki/koji/certs/kojid.crt",
  caFile: "/etc/pki/koji/koji_ca_cert.crt",
  subject: [["O", "mx-os-koji"], ["OU", "kojid"], ["CN", "cs10-koji-03.mx-os"]],
  usage: "client",
  days: 90,
  ...over,
});
const catalogWith = (p: CertificateProps): Catalog => ({
  protocol: "kf.v1.catalog", host: HOST, revision: "abc1234", generation: 1, issuedAt: new Date().toISOString(),
  digest: `sha256:${"0".repeat(64)}`, roles: ["builder"], probes: [],
  resources: [{ id: `certificate:${p.name}`, kind: "certificate", props: p as never, requires: [], notifies: [] }],
});

describe("certificate resources over NATS", () => {
  let nats: NatsHandle;
  let controllerNc: NatsConnection;
  let agentNc: NatsConnection;
  let bus: AgentBus;
  let ca: CertificateAuthority;
  let caDir: string;
  let registry: CaRegistry;
  let catalog: Catalog = catalogWith(props());

  beforeAll(async () => {
    caDir = join(await tmp(), "ca");
    ca = await CertificateAuthority.init(caDir, { subject: [["O", "mx-os-koji"], ["CN", "Koji CA"]], keyBits: 2048 });
    nats = await startNats();
    controllerNc = await connect({ servers: nats.url });
    registry = new CaRegistry(caDir);
    serveCsrs(controllerNc, ca, (host) => (host === HOST ? catalog : undefined), silentLogger(), registry);
    agentNc = await connect({ servers: nats.url, inboxPrefix: agentInboxPrefix(HOST) });
    bus = await AgentBus.open(agentNc, HOST, silentLogger());
  });
  afterAll(async () => {
    await agentNc?.close();
    await controllerNc?.close();
    await nats?.stop();
  });

  const ctx = (root: string) => kindContext(root, { certificates: { request: (name, csr) => bus.requestCertificate(name, csr) } });

  it("first converge: a 0600 key made here, a certificate the CA signed (openssl verifies it), the CA file; second run changes nothing", async () => {
    const root = await tmp();
    const lines = await expectNoopMatchesApply(certificateKind, props(), ctx(root));
    expect(lines).toEqual(["generate private key /etc/pki/koji/private/kojid.key", "request certificate kojid: no private key yet"]);
    expect(fs.statSync(join(root, "etc/pki/koji/private/kojid.key")).mode & 0o777).toBe(0o600);
    const verify = execFileSync("openssl", ["verify", "-CAfile", join(root, "etc/pki/koji/koji_ca_cert.crt"), join(root, "etc/pki/koji/certs/kojid.crt")], { encoding: "utf8" });
    expect(verify.trim()).toMatch(/: OK$/);
    expect(fs.readFileSync(join(root, "etc/pki/koji/koji_ca_cert.crt"), "utf8")).toBe(fs.readFileSync(join(caDir, CA_CERT_FILE), "utf8"));
  });

  it("the catalog's policy changes (a new SAN) → the next converge gets a new certificate for the same key", async () => {
    const root = await tmp();
    await cycle(certificateKind, props(), ctx(root));
    const key = fs.readFileSync(join(root, "etc/pki/koji/private/kojid.key"), "utf8");
    const server = props({ usage: "server-client", dnsNames: ["cs10-koji-03.mx-os", "cs10-koji-03"] });
    catalog = catalogWith(server);
    const { before } = await cycle(certificateKind, server, ctx(root));
    expect(before).toEqual(["request certificate kojid: SANs none are not DNS:cs10-koji-03,DNS:cs10-koji-03.mx-os"]);
    expect(new X509Certificate(fs.readFileSync(join(root, "etc/pki/koji/certs/kojid.crt"))).subjectAltName).toBe("DNS:cs10-koji-03.mx-os, DNS:cs10-koji-03");
    expect(fs.readFileSync(join(root, "etc/pki/koji/private/kojid.key"), "utf8")).toBe(key);
    catalog = catalogWith(props());
  });

  it("a name the host's catalog does not assign → the controller refuses, nothing is written but the key", async () => {
    const root = await tmp();
    await expect(cycle(certificateKind, props({ name: "kojiadmin" }), ctx(root))).rejects.toThrow(
      "the controller refused certificate kojiadmin: host cs10-koji-03's catalog has no certificate 'kojiadmin'",
    );
    expect(fs.existsSync(join(root, "etc/pki/koji/certs/kojid.crt"))).toBe(false);
  });

  it("the CSR asks for another subject, but the certificate says what the catalog says; a certificate that does not fit the local policy is refused", async () => {
    const root = await tmp();
    // The local props claim an admin CN; the controller signs what ITS catalog says (kojid), so the agent refuses the result.
    await expect(cycle(certificateKind, props({ subject: [["O", "mx-os-koji"], ["OU", "admin"], ["CN", "kojiadmin"]] }), ctx(root))).rejects.toThrow(
      /the CA returned a certificate that does not fit: subject O=mx-os-koji,OU=kojid,CN=cs10-koji-03.mx-os is not O=mx-os-koji,OU=admin,CN=kojiadmin/,
    );
  });

  it("one agent's observes parse an unchanged key and certificate once; a replaced key is parsed afresh and found not to fit", async () => {
    const root = await tmp();
    const one = ctx(root);
    await cycle(certificateKind, props(), one);
    const first = await certificateKind.observe(props(), one);
    const again = await certificateKind.observe(props(), one);
    expect(again.key).toBe(first.key);
    expect(again.cert).toBe(first.cert);
    expect(again.reissue).toBeNull();
    fs.writeFileSync(join(root, "etc/pki/koji/private/kojid.key"), await generateKeyPem());
    const replaced = await certificateKind.observe(props(), one);
    expect(replaced.key).not.toBe(first.key);
    expect(replaced.cert).toBe(first.cert);
    expect(replaced.reissue).toBe("the certificate does not belong to the key");
  });

  it("renewal is due at 2/3 of the lifetime, not before", async () => {
    const root = await tmp();
    await cycle(certificateKind, props(), ctx(root));
    const cert = new X509Certificate(fs.readFileSync(join(root, "etc/pki/koji/certs/kojid.crt")));
    const { createPrivateKey } = await import("node:crypto");
    const key = createPrivateKey(fs.readFileSync(join(root, "etc/pki/koji/private/kojid.key")));
    const from = Date.parse(cert.validFrom);
    const life = Date.parse(cert.validTo) - from;
    expect(reissueReason(props(), key, cert, from + life * 0.6)).toBeNull();
    expect(reissueReason(props(), key, cert, from + life * 0.67)).toMatch(/^past 2\/3 of its lifetime/);
  });

  // Last: it revokes the host.
  it("a revoked host gets no new certificate by CSR until it enrolls again with a new token", async () => {
    const root = await tmp();
    await cycle(certificateKind, props(), ctx(root));
    expect((await registry.all()).some((r) => r.host === HOST && r.name === "kojid")).toBe(true); // recorded, so revocable
    await registry.revokeHost(HOST);
    const again = await tmp();
    await expect(cycle(certificateKind, props(), ctx(again))).rejects.toThrow(`the certificates of ${HOST} were revoked (koji-fleet ca revoke); it gets new ones only after enrolling again with a new token`);
    expect(fs.existsSync(join(again, "etc/pki/koji/certs/kojid.crt"))).toBe(false);
    // Enrolled again (what enroll() records when a fresh token is redeemed): requests are answered.
    const key = createPrivateKey(await generateKeyPem());
    await registry.record(HOST, "agent", ca.issue(createCsr(key, agentSubject(HOST)), { subject: agentSubject(HOST), usage: "client", days: 90 }));
    const { after } = await cycle(certificateKind, props(), ctx(again));
    expect(after).toEqual([]);
  });
});
