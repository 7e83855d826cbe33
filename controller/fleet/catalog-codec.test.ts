import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../shared/canonical.js";
import { secretRefs } from "../../shared/sealed.js";
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

  it("gives the digest contentDigest gives, and the signed bytes are the signed catalog's canonical JSON in UTF-8, verifying as agents verify", () => {
    const codec = new CatalogCodec();
    const contents = compileFleet(withExtraBuilders(2));
    codec.intern(contents);
    for (const c of contents) expect(codec.digest(c)).toBe(contentDigest(c));
    const plan = planPublication(contents, "a".repeat(40), new Map(), new Map(), "2026-12-06T00:00:00.000Z", new Map(), (c) => codec.digest(c));
    const verifier = new Verifier(signer.publicKeyPem);
    const sealed = { alg: "RSA-OAEP-256+A256GCM" as const, key: "k", iv: "i", data: "d", tag: "t" };
    const motd = { id: "file:/etc/motd", kind: "file", props: { path: "/etc/motd", content: "koji… ✓\n" }, requires: [], notifies: [] };
    const withText = { ...plan.put[0]!, resources: [...plan.put[0]!.resources, motd] };
    for (const unsigned of [...plan.put, withText, { ...plan.put[0]!, sealedSecrets: { "db-password": sealed } }]) {
      const { catalog, bytes } = codec.signed(unsigned, signer);
      const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      expect(text).toBe(canonicalJson(catalog));
      expect(JSON.parse(text)).toEqual(catalog);
      expect(verifier.check(JSON.parse(text))).toBeNull();
      expect(catalog).toEqual(signer.sign(unsigned));
    }
  });

  it("names the secrets secretRefs names, per catalog, whether its resources are shared or not", () => {
    const codec = new CatalogCodec();
    const contents = compileFleet(withExtraBuilders(2));
    codec.intern(contents);
    const all = new Set<string>();
    for (const c of contents) {
      const names = codec.secretNames(c);
      expect({ host: c.host, names }).toEqual({ host: c.host, names: secretRefs([...c.resources, ...c.probes]) });
      names.forEach((n) => all.add(n));
    }
    expect(all.size).toBeGreaterThan(0);
  });

  it("keeps a host's resources of the catalog in force where the next compile gives equal ones, and only those", () => {
    const codec = new CatalogCodec();
    const before = compileFleet(withExtraBuilders(2));
    codec.intern(before);
    const inForce = new Map(before.map((c) => [c.host, c]));
    const fleet = withExtraBuilders(2);
    fleet.koji = { ...fleet.koji, topdir: "/mnt/koji-next" };
    const after = compileFleet(fleet);
    const copy = structuredClone(after);
    const intern = codec.interner((host) => inForce.get(host));
    after.forEach(intern);
    expect(after).toEqual(copy);
    let kept = 0, fresh = 0;
    for (const c of after) {
      for (const r of c.resources) {
        const old = inForce.get(c.host)!.resources.find((o) => o.id === r.id);
        if (old && canonicalJson(old) === canonicalJson(r)) {
          expect({ host: c.host, id: r.id, same: r === old }).toEqual({ host: c.host, id: r.id, same: true });
          kept++;
        } else {
          expect(r).not.toBe(old);
          fresh++;
        }
      }
    }
    // Each host's own certificate is one of the resources the new catalog shares with the old.
    const cert = (cs: typeof before, host: string) => cs.find((c) => c.host === host)!.resources.find((r) => r.kind === "certificate")!;
    expect(cert(after, "builder-001")).toBe(cert(before, "builder-001"));
    expect(kept).toBeGreaterThan(fresh);
    expect(fresh).toBeGreaterThan(0);
  });

  it("encodes again a content it has not interned (a pinned host's, from another revision)", () => {
    const codec = new CatalogCodec();
    const [c] = compileFleet(withExtraBuilders(1));
    expect(codec.digest(c!)).toBe(contentDigest(c!));
  });
});
