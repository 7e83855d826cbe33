// The one writer of kf-desired, against a real nats-server: its lock orders a reconcile's puts
// before a rollout step's, a put cannot escape its section, and a failed put spares the others.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrivateKey } from "node:crypto";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startNats, type NatsHandle } from "../../test/support/nats.js";
import { makeTmpDir, removeDir } from "../../test/support/tmp.js";
import { silentLogger } from "../../shared/log.js";
import { Signer, Verifier, generateSigningKeyPem } from "../../shared/signing.js";
import { CATALOG_MAX_BYTES } from "../../shared/bus-limits.js";
import type { Catalog, CatalogContent } from "../../shared/protocol.js";
import { ControllerBus } from "../nats/bus.js";
import { SecretVault } from "../trust/secrets-vault.js";
import { HostKeys } from "../trust/host-keys.js";
import { CertificateAuthority } from "../ca/authority.js";
import { createCsr, generateIdentityKeyPem } from "../../agent/csr.js";
import { unseal } from "../../shared/sealed.js";
import { FleetState } from "./state.js";
import { contentDigest } from "./publication.js";
import { Publisher, type PutCatalog } from "./publisher.js";

const AT = "2026-11-26T12:00:00.000Z";
const catalog = (host: string, generation: number, text = "x"): Catalog => {
  const content: CatalogContent = {
    host, roles: ["builder"], probes: [],
    resources: [{ id: `file:/etc/${host}`, kind: "file", props: { path: `/etc/${host}`, content: text }, requires: [], notifies: [] }],
  };
  return { protocol: "kf.v1.catalog", revision: "0000001", generation, issuedAt: AT, digest: contentDigest(content), ...content };
};

describe("Publisher", () => {
  let nats: NatsHandle;
  let nc: NatsConnection;
  let dir: string;
  let bus: ControllerBus;
  const signer = new Signer(generateSigningKeyPem());
  const verifier = new Verifier(signer.publicKeyPem);

  beforeAll(async () => {
    nats = await startNats();
    nc = await connect({ servers: nats.url });
    bus = await ControllerBus.open(nc, silentLogger());
    dir = await makeTmpDir("kf-publisher-");
  });
  afterAll(async () => {
    bus?.stop();
    await nc?.close();
    await nats?.stop();
    await removeDir(dir);
  });

  const publisher = async (state = new FleetState(AT)) =>
    new Publisher({ bus, state, signer, vault: await SecretVault.open(dir), hostKeys: new HostKeys(join(dir, "hosts")), log: silentLogger(), clock: () => new Date(AT) });
  /** What kf-desired holds, read back through a bus of its own. */
  const stored = async (host: string): Promise<Catalog | undefined> => {
    let found: Catalog | undefined;
    await bus.readDesired((h, c) => (found = h === host ? (c ?? undefined) : found));
    return found;
  };

  it("a rollout step's publish waits for the section a reconcile holds, so its put lands after the reconcile's", async () => {
    const p = await publisher();
    let release = (): void => {};
    const held = new Promise<void>((r) => (release = r));
    const section = p.exclusive(async (put) => {
      await put(catalog("a", 1));
      await held;
    });
    const step = p.publish([catalog("a", 2, "newer")]);
    await new Promise((r) => setTimeout(r, 200));
    expect((await stored("a"))?.generation).toBe(1);
    release();
    await section;
    expect(await step).toEqual({ published: ["a"], error: null });
    const a = await stored("a");
    expect(a?.generation).toBe(2);
    expect(a && verifier.check(a)).toBeNull();
  });

  it("a put kept past its section is refused", async () => {
    const p = await publisher();
    let escaped: PutCatalog = async () => {};
    await p.exclusive(async (put) => void (escaped = put));
    await expect(escaped(catalog("b", 1))).rejects.toThrow(/put after the publisher's lock was released/);
    expect(await stored("b")).toBeUndefined();
  });

  it("a failed put leaves its host out of `published`; the others are put", async () => {
    const state = new FleetState(AT);
    const p = await publisher(state);
    const huge = catalog("c", 1, "x".repeat(CATALOG_MAX_BYTES));
    const result = await p.publish([huge, catalog("d", 1)]);
    expect(result.published).toEqual(["d"]);
    expect(String(result.error)).toMatch(/catalog of c is \d+ bytes, over the/);
    expect([...state.desired.keys()]).toEqual(["d"]);
  });

  it("republishes a host's content as its next generation, signed again", async () => {
    const state = new FleetState(AT);
    const p = await publisher(state);
    await p.publish([catalog("e", 4)]);
    await p.republish("e");
    const e = await stored("e");
    expect({ generation: e?.generation, digest: e?.digest }).toEqual({ generation: 5, digest: catalog("e", 4).digest });
    expect(e && verifier.check(e)).toBeNull();
    expect(state.desired.get("e")?.generation).toBe(5);
  });

  it("puts a secret again as it was sealed while its value and the host's key stay; seals anew when either changes", async () => {
    const hostKeys = new HostKeys(join(dir, "hosts-sealing"));
    const vault = await SecretVault.open(join(dir, "vault-sealing"));
    const p = new Publisher({ bus, state: new FleetState(AT), signer, vault, hostKeys, log: silentLogger(), clock: () => new Date(AT) });
    const ca = await CertificateAuthority.init(join(dir, "ca-sealing"), { subject: [["CN", "Koji CA"]], keyBits: 2048 });
    const enroll = async () => {
      const key = createPrivateKey(await generateIdentityKeyPem());
      await hostKeys.save("f", ca.issue(createCsr(key, [["CN", "f"]]), { subject: [["CN", "f"]], usage: "client", days: 30 }).pem);
      return key;
    };
    const withSecret = (generation: number): Catalog => {
      const c = catalog("f", generation, "password={{secret:f-password}}");
      return { ...c, resources: [...c.resources, { id: "file:/etc/f-plain", kind: "file", props: { path: "/etc/f-plain", content: "x" }, requires: [], notifies: [] }] };
    };
    const sealedOf = async () => (await stored("f"))!.sealedSecrets!["f-password"]!;

    let key = await enroll();
    await p.publish([withSecret(1)]);
    const first = await sealedOf();
    await p.publish([withSecret(2)]);
    expect(await sealedOf()).toEqual(first);
    expect(unseal(first, key)).toBe(await vault.ensure("f-password"));

    await vault.set("f-password", "rotated-by-an-operator");
    await p.publish([withSecret(3)]);
    const rotated = await sealedOf();
    expect(rotated.iv).not.toBe(first.iv);
    expect(unseal(rotated, key)).toBe("rotated-by-an-operator");

    key = await enroll();
    await p.publish([withSecret(4)]);
    const reenrolled = await sealedOf();
    expect(reenrolled.iv).not.toBe(rotated.iv);
    expect(unseal(reenrolled, key)).toBe("rotated-by-an-operator");
    expect(verifier.check((await stored("f"))!)).toBeNull();
  });
});
