import { describe, expect, it } from "vitest";
import { digestOf } from "../../shared/canonical.js";
import type { Catalog } from "../../shared/protocol.js";
import { Signer, Verifier, generateSigningKeyPem } from "../../shared/signing.js";
import { CatalogGate, admit, admitCandidate, type Trust } from "./catalog-gate.js";

const signer = new Signer(generateSigningKeyPem());
const stranger = new Signer(generateSigningKeyPem());
const HOST = "cs10-koji-03";
const trust: Trust = { host: HOST, verifier: new Verifier(signer.publicKeyPem), keyFile: "/var/lib/koji-fleet/catalog.pub" };

function catalog(generation: number, opts: { host?: string; content?: string; by?: Signer | null } = {}): Catalog {
  const content = { host: opts.host ?? HOST, roles: ["builder"], resources: [], probes: [{ id: `probe-${opts.content ?? "a"}`, kind: "path", props: { path: "/etc" } }] };
  const body: Catalog = { protocol: "kf.v1.catalog", revision: "abc1234", generation, issuedAt: "2026-01-01T00:00:00.000Z", digest: digestOf(content), ...content };
  return opts.by === null ? body : (opts.by ?? signer).sign(body);
}
const bytes = (c: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(c));

describe("admit: whether a desired catalog is taken", () => {
  it.each([
    ["not a catalog", "catalog-rejected", bytes({ protocol: "kf.v1.catalog" }), /host|must have required property/],
    ["not JSON", "catalog-rejected", new TextEncoder().encode("{"), /./],
    ["unsigned", "security", bytes(catalog(3, { by: null })), /not signed/],
    ["signed by another key", "security", bytes(catalog(3, { by: stranger })), /but this host trusts key/],
    ["altered after signing", "security", bytes({ ...catalog(3), roles: ["hub"] }), /does not verify/],
    ["another host's, validly signed", "security", bytes(catalog(3, { host: "cs10-koji-02" })), /catalog for host cs10-koji-02 refused by cs10-koji-03/],
    ["an older generation (a replay)", "security", bytes(catalog(1, { content: "old" })), /generation 1 is not newer than 2/],
    ["the same generation, other content", "security", bytes(catalog(2, { content: "b" })), /generation 2 is not newer than 2/],
  ])("%s → refused (%s)", (_what, event, data, reason) => {
    // In force: generation 2; everything offered but the last two is newer.
    const a = admit(data, trust, catalog(2));
    expect(a).toMatchObject({ verdict: "refuse", event });
    if (a.verdict === "refuse") expect(a.reason).toMatch(reason);
  });

  it("with no key pinned every catalog is refused, naming where the key is expected", () => {
    expect(admit(bytes(catalog(2)), { ...trust, verifier: null }, null)).toMatchObject({ verdict: "refuse", event: "security", reason: expect.stringContaining("expected in /var/lib/koji-fleet/catalog.pub") });
  });

  it("a newer generation is taken; the first catalog is taken at any generation", () => {
    expect(admit(bytes(catalog(2)), trust, catalog(1))).toMatchObject({ verdict: "take", catalog: { generation: 2 } });
    expect(admit(bytes(catalog(7)), trust, null)).toMatchObject({ verdict: "take", catalog: { generation: 7 } });
  });

  it("the catalog in force, offered again, is in force: not taken twice", () => {
    expect(admit(bytes(catalog(3)), trust, catalog(3))).toMatchObject({ verdict: "in-force" });
  });
});

describe("admitCandidate: a plan's catalog", () => {
  it("is checked for signature and host like a desired one, whatever its generation", () => {
    expect(admitCandidate(bytes(catalog(1)), trust).generation).toBe(1);
    expect(() => admitCandidate(bytes(catalog(1, { by: stranger })), trust)).toThrow(/^candidate catalog refused: signed by key/);
    expect(() => admitCandidate(bytes(catalog(1, { host: "cs10-koji-02" })), trust)).toThrow(/candidate catalog refused: catalog for host cs10-koji-02 refused by cs10-koji-03/);
    expect(() => admitCandidate(bytes(catalog(1)), { ...trust, verifier: null })).toThrow(/no catalog-signing key is pinned/);
    expect(() => admitCandidate(bytes({}), trust)).toThrow();
  });
});

describe("CatalogGate: what it holds", () => {
  /** A gate over a converger whose last catalog is `converged` (the loop's converge sets it). */
  const gateOver = (converged: Catalog | null) => {
    const host = { converged };
    return { host, gate: new CatalogGate(HOST, trust.keyFile, () => host.converged) };
  };

  it("compares with the catalog converged last; keeps a refusal until a good catalog comes", () => {
    const { gate } = gateOver(catalog(4));
    expect(gate.inForce?.generation).toBe(4);
    expect(gate.offer(bytes(catalog(3)), trust.verifier).verdict).toBe("refuse");
    expect(gate.refusal).toMatch(/generation 3 is not newer than 4/);
    expect(gate.inForce?.generation).toBe(4);
    // The catalog in force comes back: the refusal no longer stands.
    expect(gate.offer(bytes(catalog(4)), trust.verifier).verdict).toBe("in-force");
    expect(gate.refusal).toBeNull();
    expect(gate.offer(bytes(catalog(5, { by: stranger })), trust.verifier).verdict).toBe("refuse");
    expect(gate.offer(bytes(catalog(5)), trust.verifier).verdict).toBe("take");
    expect(gate.refusal).toBeNull();
  });

  it("a catalog taken is in force while it waits: offered again it is not taken twice, nor is an older one", () => {
    const { gate } = gateOver(catalog(4));
    expect(gate.offer(bytes(catalog(5)), trust.verifier).verdict).toBe("take");
    expect(gate.offer(bytes(catalog(5)), trust.verifier).verdict).toBe("in-force");
    expect(gate.offer(bytes(catalog(5, { content: "b" })), trust.verifier).verdict).toBe("refuse");
    expect(gate.inForce?.generation).toBe(5);
  });

  it("next() hands the loop the catalog waiting once, then the one converged last again", () => {
    const { host, gate } = gateOver(null);
    expect(gate.next()).toBeNull();
    gate.offer(bytes(catalog(2)), trust.verifier);
    gate.offer(bytes(catalog(3)), trust.verifier);
    expect(gate.next()?.generation).toBe(3);
    // Converging generation 3: it is not in force until converged, so it may come again, with
    // other content (the controller's re-publish racing a rollout), and is then taken.
    expect(gate.inForce).toBeNull();
    expect(gate.offer(bytes(catalog(3, { content: "b" })), trust.verifier).verdict).toBe("take");
    host.converged = catalog(3);
    expect(gate.next()?.probes[0]?.id).toBe("probe-b");
    expect(gate.next()?.probes[0]?.id).toBe("probe-a");
  });

  it("a plan's candidate leaves the gate as it was", () => {
    const { gate } = gateOver(catalog(4));
    expect(gate.candidate(bytes(catalog(1)), trust.verifier).generation).toBe(1);
    expect(gate.candidate(bytes(catalog(9)), trust.verifier).generation).toBe(9);
    expect(gate.inForce?.generation).toBe(4);
    expect(gate.next()?.generation).toBe(4);
  });
});
