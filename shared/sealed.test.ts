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
