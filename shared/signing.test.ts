import { describe, expect, it } from "vitest";
import { Signer, Verifier, generateSigningKeyPem } from "./signing.js";

const signer = new Signer(generateSigningKeyPem());
const verifier = new Verifier(signer.publicKeyPem);

describe("Ed25519 catalog signatures", () => {
  it("a signed document verifies, whatever the key order", () => {
    const doc = signer.sign({ b: 1, a: { y: [1, 2], x: "z" } });
    expect(verifier.check(doc)).toBeNull();
    expect(verifier.check({ signature: doc.signature, a: { x: "z", y: [1, 2] }, b: 1 } as never)).toBeNull();
  });

  it.each<[string, (d: Record<string, unknown>) => Record<string, unknown>, RegExp]>([
    ["a changed member", (d) => ({ ...d, b: 2 }), /does not verify/],
    ["an added member", (d) => ({ ...d, extra: true }), /does not verify/],
    ["no signature", ({ signature: _s, ...d }) => d, /not signed/],
  ])("%s → refused", (_name, change, reason) => {
    expect(verifier.check(change(signer.sign({ b: 1 })) as never)).toMatch(reason);
  });

  it("re-signing replaces the old signature; another key is named as such", () => {
    const other = new Signer(generateSigningKeyPem());
    const doc = other.sign(signer.sign({ a: 1 }));
    expect(verifier.check(doc)).toMatch(`signed by key ${other.keyId}, but this host trusts key ${signer.keyId}`);
  });

  it("refuses keys that are not Ed25519", () => {
    expect(() => new Verifier("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEq7bYH3MYu+3Ix6WlP5cO1Q2cK2Ms8tZl8lEv4xM2VPl8C9+2l2dL6z5rbNxJ3a2Ez0E7hMZb6vVyN0vM7bqO0A==\n-----END PUBLIC KEY-----\n")).toThrow();
  });
});
