// The controller's CRL: adopted from `ca revoke`'s file or issued anew when the revoked set
// changed, half of its validity passed, or it is unreadable — driven by an injected clock.
import { createPrivateKey } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { createCsr, generateKeyPem } from "../../agent/csr.js";
import { silentLogger } from "../../shared/log.js";
import { useTmpDirs } from "../../test/support/tmp.js";
import { CA_CERT_FILE, CertificateAuthority } from "./authority.js";
import { CaRegistry } from "./registry.js";
import { CRL_DAYS, CRL_FILE, crlIsCurrent, readCrl, RevocationList, writeCrl } from "./revocation.js";

const tmp = useTmpDirs();
const DAY = 86_400_000;
const T0 = new Date("2030-03-01T12:00:00Z");

let ca: CertificateAuthority;
let registry: CaRegistry;
let now: Date;
const clock = () => now;
const crlFile = () => join(ca.dir, CRL_FILE);

async function issueTo(host: string): Promise<string> {
  const csr = createCsr(createPrivateKey(await generateKeyPem()), [["CN", host]]);
  const issued = ca.issue(csr, { subject: [["O", "test"], ["OU", "kojid"], ["CN", host]], usage: "client", days: 30 }, now);
  await registry.record(host, "kojid", issued);
  return issued.serial;
}

describe("RevocationList", () => {
  beforeEach(async () => {
    now = T0;
    ca = await CertificateAuthority.init(join(await tmp("kf-crl-"), "ca"), { subject: [["O", "test"], ["CN", "Koji CA"]], keyBits: 2048, now: new Date(T0.getTime() - DAY) });
    registry = new CaRegistry(ca.dir);
  });

  it("opens with a CRL signed by the CA, written to <ca.dir>/koji_ca.crl, valid for CRL_DAYS", async () => {
    const list = await RevocationList.open(ca, registry, clock, silentLogger());
    expect(await readFile(crlFile(), "utf8")).toBe(list.pem);
    const facts = readCrl(list.pem);
    expect(facts.serials).toEqual([]);
    expect(facts.thisUpdate.getTime()).toBeLessThanOrEqual(T0.getTime());
    expect(facts.nextUpdate.getTime() - facts.thisUpdate.getTime()).toBe(CRL_DAYS * DAY);
    expect(execFileSync("openssl", ["crl", "-in", crlFile(), "-CAfile", join(ca.dir, CA_CERT_FILE), "-noout"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })).toBe("");
  });

  it("a revoke in the registry changes the CRL on the next refresh; nothing new, nothing changes", async () => {
    const kept = await issueTo("cs10-koji-04");
    const revoked = await issueTo("cs10-koji-03");
    const list = await RevocationList.open(ca, registry, clock, silentLogger());
    const before = list.pem;
    now = new Date(T0.getTime() + 30_000);
    expect(await list.refresh()).toBe(false);
    expect(list.pem).toBe(before);

    await registry.revokeHost("cs10-koji-03", now);
    expect(await list.refresh()).toBe(true);
    expect(readCrl(list.pem).serials).toEqual([revoked.replace(/^0+/, "")]);
    expect(readCrl(list.pem).serials).not.toContain(kept.replace(/^0+/, ""));
    expect(await readFile(crlFile(), "utf8")).toBe(list.pem);
    expect(await list.refresh()).toBe(false);
  });

  it("is issued again once half of its validity has passed, long before nextUpdate", async () => {
    await issueTo("cs10-koji-03");
    await registry.revokeHost("cs10-koji-03", now);
    const list = await RevocationList.open(ca, registry, clock, silentLogger());
    const first = readCrl(list.pem);
    now = new Date(first.thisUpdate.getTime() + (CRL_DAYS / 2) * DAY - 1000);
    expect(await list.refresh()).toBe(false);
    now = new Date(first.thisUpdate.getTime() + (CRL_DAYS / 2) * DAY + 1000);
    expect(await list.refresh()).toBe(true);
    const second = readCrl(list.pem);
    expect(second.serials).toEqual(first.serials);
    expect(second.nextUpdate.getTime()).toBeGreaterThan(first.nextUpdate.getTime());
    expect(second.nextUpdate.getTime()).toBeGreaterThan(now.getTime() + (CRL_DAYS - 1) * DAY);
  });

  it("adopts the file `ca revoke` wrote as it is (a restart republishes nothing)", async () => {
    await issueTo("cs10-koji-03");
    await registry.revokeHost("cs10-koji-03", now);
    const written = await writeCrl(ca, registry, now);
    now = new Date(T0.getTime() + DAY);
    const list = await RevocationList.open(ca, registry, clock, silentLogger());
    expect(list.pem).toBe(written);
    const again = await RevocationList.open(ca, registry, clock, silentLogger());
    expect(again.pem).toBe(written);
  });

  it("replaces an unreadable file and one dated in the future (the clock went back)", async () => {
    await writeFile(crlFile(), "-----BEGIN X509 CRL-----\nnot a crl\n-----END X509 CRL-----\n");
    const list = await RevocationList.open(ca, registry, clock, silentLogger());
    expect(readCrl(list.pem).serials).toEqual([]);
    now = new Date(T0.getTime() - DAY);
    expect(await list.refresh()).toBe(true);
    expect(readCrl(list.pem).thisUpdate.getTime()).toBeLessThanOrEqual(now.getTime());
  });
});

describe("crlIsCurrent", () => {
  const facts = { thisUpdate: T0, nextUpdate: new Date(T0.getTime() + 7 * DAY), serials: ["1a2b"] };
  it.each([
    ["the same serials, early on", null, ["1A2B"], 1 * DAY, true],
    ["no CRL yet", "none", ["1a2b"], 0, false],
    ["a serial more", null, ["1a2b", "01ff"], 0, false],
    ["a serial fewer", null, [], 0, false],
    ["half-way", null, ["1a2b"], 3.5 * DAY, false],
    ["before thisUpdate", null, ["1a2b"], -1000, false],
  ] as const)("%s", (_name, none, revoked, offset, current) => {
    expect(crlIsCurrent(none ? null : facts, revoked, new Date(T0.getTime() + offset))).toBe(current);
  });
});
