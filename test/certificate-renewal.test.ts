// Renewal before expiry, end to end: when the agent's clock passes 2/3 of a certificate's
// lifetime, the next converge gets a new certificate for the same key from the controller.
import { createPrivateKey, X509Certificate } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestFleet } from "./support/fleet.js";
import { waitFor } from "./support/wait.js";

const HUB = "cs10-koji-00";

describe("certificate renewal", () => {
  let fleet: TestFleet;
  let offset = 0;

  beforeAll(async () => {
    fleet = await TestFleet.start({ startAgents: false });
    for (const h of ["cs10-koji-01", "cs10-koji-02", "cs10-koji-03", "cs10-koji-04"]) fleet.startAgent(h);
    fleet.startAgent(HUB, {}, { clock: () => new Date(Date.now() + offset) });
    await fleet.waitReady((await fleet.remote.git("rev-parse", "HEAD")).trim());
  });
  afterAll(async () => fleet?.stop());

  const certFile = () => join(fleet.root(HUB), "etc/pki/koji/certs/kojihub.crt");
  const cert = () => new X509Certificate(readFileSync(certFile()));

  it("past 2/3 of its lifetime the hub certificate is renewed, keeping its key; before that it is left alone", async () => {
    const first = cert();
    const lifetime = Date.parse(first.validTo) - Date.parse(first.validFrom);
    const key = readFileSync(join(fleet.root(HUB), "etc/pki/koji/private/kojihub.key"), "utf8");

    offset = lifetime * 0.5; // half way: nothing to do
    fleet.agents.get(HUB)!.agent.requestConverge();
    await new Promise((r) => setTimeout(r, 1500));
    expect(cert().serialNumber).toBe(first.serialNumber);

    offset = lifetime * 0.7; // past 2/3
    fleet.agents.get(HUB)!.agent.requestConverge();
    const renewed = await waitFor(() => (cert().serialNumber !== first.serialNumber ? cert() : false), { timeoutMs: 15_000, message: "a renewed certificate" });
    offset = 0;

    expect(Date.parse(renewed.validTo)).toBeGreaterThan(Date.parse(first.validTo));
    expect(renewed.subject).toBe(first.subject);
    expect(renewed.subjectAltName).toBe(first.subjectAltName);
    expect(renewed.checkPrivateKey(createPrivateKey(key))).toBe(true);
    expect(readFileSync(join(fleet.root(HUB), "etc/pki/koji/private/kojihub.key"), "utf8")).toBe(key);
    const ca = join(fleet.root(HUB), "etc/pki/koji/koji_ca_cert.crt");
    expect(execFileSync("openssl", ["verify", "-CAfile", ca, certFile()], { encoding: "utf8" }).trim()).toMatch(/: OK$/);
  });
});
