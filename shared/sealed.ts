// Secrets sealed to one host: a fresh AES-256-GCM key per value, wrapped to the host's public
// key (its enrollment certificate). Only that host's private key opens it. An RSA key wraps it
// with RSA-OAEP-256; an EC key (what agents generate since enrollment keys are P-256, milliseconds
// instead of RSA's ~0.1–0.4 s) derives it: ECDH with a fresh ephemeral key, then HKDF-SHA256.
import {
  createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync,
  KeyObject, privateDecrypt, publicEncrypt, randomBytes, constants, type KeyLike,
} from "node:crypto";
import { Type, type Static } from "@sinclair/typebox";
import type { Resource } from "./protocol.js";

const Sealed = {
  iv: Type.String({ maxLength: 64 }),
  data: Type.String({ maxLength: 65_536 }),
  tag: Type.String({ maxLength: 64 }),
};
export const SealedValueSchema = Type.Union([
  Type.Object({ alg: Type.Literal("RSA-OAEP-256+A256GCM"), key: Type.String({ maxLength: 2048 }), ...Sealed }, { additionalProperties: false }),
  Type.Object({ alg: Type.Literal("ECDH-ES+A256GCM"), epk: Type.String({ maxLength: 512, description: "the ephemeral public key (SPKI DER, base64)" }), ...Sealed }, { additionalProperties: false }),
]);
export type SealedValue = Static<typeof SealedValueSchema>;

const OAEP = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" } as const;
/** HKDF's context: a key derived for this use serves no other. */
const HKDF_INFO = "koji-fleet sealed secret ECDH-ES+A256GCM";

const asKey = (k: KeyLike, make: (k: string | Buffer) => KeyObject): KeyObject => (k instanceof KeyObject ? k : make(k as string | Buffer));

/** The AES key of an ECDH-ES sealing: both sides derive it from their shared secret and the ephemeral key. */
const derive = (privateKey: KeyObject, publicKey: KeyObject, epk: Buffer): Buffer =>
  Buffer.from(hkdfSync("sha256", diffieHellman({ privateKey, publicKey }), epk, HKDF_INFO, 32));

function encrypt(value: string, aes: Buffer) {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", aes, iv);
  const data = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
  return { iv: iv.toString("base64"), data: data.toString("base64"), tag: cipher.getAuthTag().toString("base64") };
}

export function seal(value: string, publicKey: KeyLike): SealedValue {
  const key = asKey(publicKey, createPublicKey);
  if (key.asymmetricKeyType === "ec") {
    const eph = generateKeyPairSync("ec", { namedCurve: key.asymmetricKeyDetails?.namedCurve ?? "prime256v1" });
    const epk = eph.publicKey.export({ type: "spki", format: "der" });
    return { alg: "ECDH-ES+A256GCM", epk: epk.toString("base64"), ...encrypt(value, derive(eph.privateKey, key, epk)) };
  }
  const aes = randomBytes(32);
  return { alg: "RSA-OAEP-256+A256GCM", key: publicEncrypt({ key, ...OAEP }, aes).toString("base64"), ...encrypt(value, aes) };
}

export function unseal(sealed: SealedValue, privateKey: KeyLike): string {
  let aes: Buffer;
  if (sealed.alg === "ECDH-ES+A256GCM") {
    const epk = Buffer.from(sealed.epk, "base64");
    aes = derive(asKey(privateKey, createPrivateKey), createPublicKey({ key: epk, format: "der", type: "spki" }), epk);
  } else {
    aes = privateDecrypt({ key: privateKey, ...OAEP }, Buffer.from(sealed.key, "base64"));
  }
  const decipher = createDecipheriv("aes-256-gcm", aes, Buffer.from(sealed.iv, "base64"));
  decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
  return Buffer.concat([decipher.update(Buffer.from(sealed.data, "base64")), decipher.final()]).toString("utf8");
}

const PLACEHOLDER = /\{\{secret:([a-z0-9][a-z0-9._-]*)\}\}/g;

/**
 * The secret names a catalog's resources and probes reference: `{{secret:NAME}}` in any string prop and
 * any prop named `passwordSecret`, at any depth. Pure, so the controller seals exactly these.
 */
export function secretRefs(items: readonly Pick<Resource, "props">[]): string[] {
  const names = new Set<string>();
  const walk = (v: unknown, key?: string): void => {
    if (typeof v === "string") {
      if (key === "passwordSecret") names.add(v);
      for (const m of v.matchAll(PLACEHOLDER)) names.add(m[1]!);
    } else if (Array.isArray(v)) v.forEach((x) => walk(x));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  for (const r of items) walk(r.props);
  return [...names].sort();
}
