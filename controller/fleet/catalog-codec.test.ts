import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../shared/canonical.js";
import { Signer, Verifier, generateSigningKeyPem } from "../../shared/signing.js";
import { compileFleet } from "../compile/compile.js";
import { withExtraBuilders } from "../../test/support/compiled-fleet.js";
import { CatalogCodec } from "./catalog-codec.js";
import { contentDigest, planPublication } from "./publication.js";

const signer = new Signer(generateSigningKeyPem());

describe("CatalogCodec", () => {
  it("makes equal resources of different hosts one object, and leaves each catalog equal to what was compiled", () => {
    const contents = compileFleet(withExtraBuilders(3));
    const copy = structuredClone(contents);
    new CatalogCodec().intern(contents);
    expect(contents).toEqual(copy);
    const profile = (host: string) => contents.find((c) => c.host === host)!.resources.find((r) => r.id.startsWith("file:/etc/koji.conf.d/"));
    expect(profile("builder-001")).toBeDefined();
    expect(profile("builder-001")).toBe(profile("builder-002"));
    expect(profile("builder-001")).toBe(profile("cs10-koji-00"));
  });

  it("gives the digest contentDigest gives, and the signed text is the signed catalog's canonical JSON, verifying as agents verify", () => {
    const codec = new CatalogCodec();
    const contents = compileFleet(withExtraBuilders(2));
    codec.intern(contents);
    for (const c of contents) expect(codec.digest(c)).toBe(contentDigest(c));
    const plan = planPublication(contents, "a".repeat(40), new Map(), new Map(), "2026-12-06T00:00:00.000Z", new Map(), (c) => codec.digest(c));
    const verifier = new Verifier(signer.publicKeyPem);
    const sealed = { alg: "RSA-OAEP-256+A256GCM" as const, key: "k", iv: "i", data: "d", tag: "t" };
    for (const unsigned of [...plan.put, { ...plan.put[0]!, sealedSecrets: { "db-password": sealed } }]) {
      const { catalog, text } = codec.signed(unsigned, signer);
      expect(text).toBe(canonicalJson(catalog));
      expect(JSON.parse(text)).toEqual(catalog);
      expect(verifier.check(JSON.parse(text))).toBeNull();
      expect(catalog).toEqual(signer.sign(unsigned));
    }
  });

  it("encodes again a content it has not interned (a pinned host's, from another revision)", () => {
    const codec = new CatalogCodec();
    const [c] = compileFleet(withExtraBuilders(1));
    expect(codec.digest(c!)).toBe(contentDigest(c!));
  });
});
