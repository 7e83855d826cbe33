import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { seal, secretRefs, unseal } from "./sealed.js";

const pair = () => generateKeyPairSync("rsa", { modulusLength: 2048 });

describe("sealed secrets", () => {
  it("only the host whose key it was sealed to can open it; each sealing differs", () => {
    const host = pair();
    const other = pair();
    const a = seal("s3cr3t", host.publicKey);
    expect(unseal(a, host.privateKey)).toBe("s3cr3t");
    expect(() => unseal(a, other.privateKey)).toThrow();
    expect(seal("s3cr3t", host.publicKey).data).not.toBe(a.data);
    expect(JSON.stringify(a)).not.toContain("s3cr3t");
  });

  it("to an EC P-256 key (new agents' enrollment key): ECDH with a fresh key per sealing; only that host opens it", () => {
    const ec = () => generateKeyPairSync("ec", { namedCurve: "P-256" });
    const host = ec();
    const a = seal("s3cr3t", host.publicKey);
    expect(a.alg).toBe("ECDH-ES+A256GCM");
    expect(unseal(a, host.privateKey)).toBe("s3cr3t");
    expect(unseal(a, host.privateKey.export({ type: "pkcs8", format: "pem" }))).toBe("s3cr3t");
    expect(() => unseal(a, ec().privateKey)).toThrow();
    const b = seal("s3cr3t", host.publicKey);
    if (a.alg !== "ECDH-ES+A256GCM" || b.alg !== "ECDH-ES+A256GCM") throw new Error("not ECDH");
    expect(b.epk).not.toBe(a.epk);
    expect(JSON.stringify(a)).not.toContain("s3cr3t");
    // The ephemeral key is bound into the derivation: another one (a swapped key) does not open it.
    expect(() => unseal({ ...a, epk: b.epk }, host.privateKey)).toThrow();
    expect(seal("s3cr3t", pair().publicKey).alg).toBe("RSA-OAEP-256+A256GCM");
  });

  it("a tampered ciphertext does not open (GCM tag)", () => {
    const host = pair();
    const a = seal("s3cr3t", host.publicKey);
    const data = Buffer.from(a.data, "base64");
    data.writeUInt8(data.readUInt8(0) ^ 1, 0);
    expect(() => unseal({ ...a, data: data.toString("base64") }, host.privateKey)).toThrow();
  });

  it("finds the secrets resources reference, at any depth, sorted and once", () => {
    const r = (props: Record<string, unknown>) => ({ id: "x", kind: "k", props, requires: [], notifies: [] });
    expect(
      secretRefs([
        r({ template: "[hub]\nDBPass = {{secret:koji-db-password}}\n" }),
        r({ name: "koji", passwordSecret: "koji-db-password" }),
        r({ runAs: { role: "koji", passwordSecret: "other" } }),
        r({ content: "no secrets {{secret:}} here" }),
      ]),
    ).toEqual(["koji-db-password", "other"]);
  });
});
