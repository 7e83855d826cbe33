// Secrets sealed in a catalog: each opened once per host key while catalogs carry it as it was
// sealed, dropped once they do not, and never answered for a key that did not open it.
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it, vi } from "vitest";

const opened = vi.hoisted(() => ({ count: 0 }));
vi.mock("../shared/sealed.js", async (actual) => {
  const real = await actual<typeof import("../shared/sealed.js")>();
  return {
    ...real,
    unseal: (...args: Parameters<typeof real.unseal>) => {
      opened.count++;
      return real.unseal(...args);
    },
  };
});
const { seal } = await import("../shared/sealed.js");
const { sealedSecrets } = await import("./secrets.js");

const hostKey = () => createPrivateKey(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }));

describe("sealedSecrets", () => {
  it("opens a value once, also when the next catalog carries it as it was sealed", async () => {
    const key = hostKey();
    const sealed = seal("s3cret", createPublicKey(key));
    opened.count = 0;
    expect(await sealedSecrets({ db: sealed }, key).get("db")).toBe("s3cret");
    // The next catalog, parsed anew from the wire: other objects, the same sealed text.
    const next = JSON.parse(JSON.stringify({ db: sealed })) as Record<string, typeof sealed>;
    expect(await sealedSecrets(next, key).get("db")).toBe("s3cret");
    expect(opened.count).toBe(1);
    // Sealed again (another value, or a new host key): opened again.
    expect(await sealedSecrets({ db: seal("rotated", createPublicKey(key)) }, key).get("db")).toBe("rotated");
    expect(opened.count).toBe(2);
    // What a catalog no longer carries is not kept: the old value, offered again, is opened again.
    expect(await sealedSecrets({ db: sealed }, key).get("db")).toBe("s3cret");
    expect(opened.count).toBe(3);
  });

  it("refuses a key that did not open it, even after the right key did", async () => {
    const key = hostKey();
    const sealed = seal("s3cret", createPublicKey(key));
    expect(await sealedSecrets({ db: sealed }, key).get("db")).toBe("s3cret");
    await expect(sealedSecrets({ db: sealed }, hostKey()).get("db")).rejects.toThrow(/cannot be unsealed with this host's key/);
  });
});
