import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pemBundleKind } from "./pem-bundle.js";
import { cycle, expectNoopMatchesApply, kindContext, tempRoot } from "../../test/support/kinds.js";

let root: string;
beforeEach(() => {
  root = tempRoot();
  fs.mkdirSync(join(root, "etc/pki/koji/private"), { recursive: true });
  fs.mkdirSync(join(root, "etc/kojid"), { recursive: true });
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

/** A real key pair and self-signed certificate, as the certificate resource leaves them. */
function issue(name: string): { cert: string; key: string } {
  const cert = join(root, `etc/pki/koji/${name}.crt`);
  const key = join(root, `etc/pki/koji/private/${name}.key`);
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-subj", `/CN=${name}`, "-days", "1"], { stdio: "ignore" });
  return { cert: fs.readFileSync(cert, "utf8"), key: fs.readFileSync(key, "utf8") };
}

const props = (over: object = {}) => ({
  path: "/etc/kojid/client.crt",
  parts: [{ file: "/etc/pki/koji/cs10-koji-03.crt" }, { file: "/etc/pki/koji/private/cs10-koji-03.key" }],
  ...over,
});

describe("pem-bundle", () => {
  it("certificate + its key → one 0600 file, certificate first; the second run changes nothing", async () => {
    const { cert, key } = issue("cs10-koji-03");
    const lines = await expectNoopMatchesApply(pemBundleKind, props(), kindContext(root));
    expect(lines).toEqual(["absent → present"]);
    const out = join(root, "etc/kojid/client.crt");
    expect(fs.readFileSync(out, "utf8")).toBe(`${cert.trim()}\n${key.trim()}\n`);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
  });

  it("renewed certificate on disk → content differs, and the report shows digests, never PEM text", async () => {
    issue("cs10-koji-03");
    await cycle(pemBundleKind, props(), kindContext(root));
    issue("cs10-koji-03");
    const { before } = await cycle(pemBundleKind, props(), kindContext(root));
    expect(before).toHaveLength(1);
    expect(before[0]).toMatch(/^content differs \(sha256 [0-9a-f]{12}… → [0-9a-f]{12}…\)$/);
  });

  it("a key that belongs to another certificate → refused, nothing written", async () => {
    issue("cs10-koji-03");
    const other = issue("kojira");
    fs.writeFileSync(join(root, "etc/pki/koji/private/cs10-koji-03.key"), other.key);
    await expect(cycle(pemBundleKind, props(), kindContext(root))).rejects.toThrow("the private key does not belong to the bundle's certificate");
    expect(fs.existsSync(join(root, "etc/kojid/client.crt"))).toBe(false);
  });

  it.each<[string, () => void, string]>([
    ["a missing part", () => undefined, "part /etc/pki/koji/cs10-koji-03.crt does not exist (converge the resource that creates it first, and require it)"],
    ["a part that is not PEM", () => fs.writeFileSync(join(root, "etc/pki/koji/cs10-koji-03.crt"), "hello"), "part /etc/pki/koji/cs10-koji-03.crt holds no PEM block"],
  ])("%s → a clear error", async (_name, setup, message) => {
    setup();
    fs.writeFileSync(join(root, "etc/pki/koji/private/cs10-koji-03.key"), issue("x").key);
    await expect(cycle(pemBundleKind, props(), kindContext(root))).rejects.toThrow(message);
  });

  it("a key without a certificate → refused", async () => {
    issue("cs10-koji-03");
    await expect(cycle(pemBundleKind, props({ parts: [{ file: "/etc/pki/koji/private/cs10-koji-03.key" }] }), kindContext(root))).rejects.toThrow(
      "a bundle with a private key needs the certificate it belongs to",
    );
  });

  it("an inline CA certificate part is appended as it is", async () => {
    const { cert } = issue("cs10-koji-03");
    const ca = issue("Koji CA").cert;
    await cycle(pemBundleKind, props({ path: "/etc/kojid/serverca.crt", parts: [{ pem: ca }], mode: "0644" }), kindContext(root));
    expect(fs.readFileSync(join(root, "etc/kojid/serverca.crt"), "utf8")).toBe(`${ca.trim()}\n`);
    expect(cert).not.toBe(ca);
  });
});
