// Ed25519 signatures over canonical JSON. The controller signs every catalog; an agent runs
// nothing that does not verify against the public key pinned when it enrolled.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { canonicalJson, sha256Hex } from "./canonical.js";

export interface Signature {
  alg: "ed25519";
  /** First 16 hex digits of the sha256 of the public key (SPKI DER): names the key. */
  keyId: string;
  value: string;
}

export const keyIdOf = (publicKey: KeyObject): string => sha256Hex(publicKey.export({ type: "spki", format: "der" })).slice(0, 16);

export function generateSigningKeyPem(): string {
  return generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

export class Signer {
  private readonly key: KeyObject;
  readonly publicKeyPem: string;
  readonly keyId: string;

  constructor(privateKeyPem: string) {
    this.key = createPrivateKey(privateKeyPem);
    if (this.key.asymmetricKeyType !== "ed25519") throw new Error("the catalog-signing key must be Ed25519");
    const pub = createPublicKey(this.key);
    this.publicKeyPem = pub.export({ type: "spki", format: "pem" }).toString();
    this.keyId = keyIdOf(pub);
  }

  /** Signs the document without its `signature` member. */
  sign<T extends object>(doc: T): T & { signature: Signature } {
    const { signature: _old, ...body } = doc as T & { signature?: unknown };
    return { ...(doc as T), signature: this.signCanonical(canonicalJson(body)) };
  }

  /** The signature of a document given as its canonical JSON (what sign() and Verifier encode). */
  signCanonical(text: string): Signature {
    return this.signBytes(Buffer.from(text));
  }

  /** signCanonical() of the text already in UTF-8. */
  signBytes(bytes: Uint8Array): Signature {
    return { alg: "ed25519", keyId: this.keyId, value: sign(null, bytes, this.key).toString("base64") };
  }
}

export class Verifier {
  private readonly key: KeyObject;
  readonly keyId: string;

  constructor(publicKeyPem: string) {
    this.key = createPublicKey(publicKeyPem);
    if (this.key.asymmetricKeyType !== "ed25519") throw new Error("the catalog-signing public key must be Ed25519");
    this.keyId = keyIdOf(this.key);
  }

  /** null when the signature is valid, else the reason. */
  check(doc: { signature?: Signature }): string | null {
    const { signature, ...body } = doc;
    if (!signature) return "the catalog is not signed";
    if (signature.keyId !== this.keyId) return `signed by key ${signature.keyId}, but this host trusts key ${this.keyId}`;
    const ok = verify(null, Buffer.from(canonicalJson(body)), this.key, Buffer.from(signature.value, "base64"));
    return ok ? null : "the catalog's signature does not verify (altered after signing)";
  }
}
