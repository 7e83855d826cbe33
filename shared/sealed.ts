// Secrets sealed to one host: a fresh AES-256-GCM key per value, wrapped with RSA-OAEP-256
// to the host's public key (its enrollment certificate). Only that host's private key opens it.
import { createCipheriv, createDecipheriv, privateDecrypt, publicEncrypt, randomBytes, constants, type KeyLike } from "node:crypto";
import { Type, type Static } from "@sinclair/typebox";
import type { Resource } from "./protocol.js";

export const SealedValueSchema = Type.Object(
  {
    alg: Type.Literal("RSA-OAEP-256+A256GCM"),
    key: Type.String({ maxLength: 2048 }),
    iv: Type.String({ maxLength: 64 }),
    data: Type.String({ maxLength: 65_536 }),
    tag: Type.String({ maxLength: 64 }),
  },
  { additionalProperties: false },
);
export type SealedValue = Static<typeof SealedValueSchema>;

const OAEP = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" } as const;

export function seal(value: string, publicKey: KeyLike): SealedValue {
  const aes = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", aes, iv);
  const data = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
  return {
    alg: "RSA-OAEP-256+A256GCM",
    key: publicEncrypt({ key: publicKey, ...OAEP }, aes).toString("base64"),
    iv: iv.toString("base64"),
    data: data.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
  };
}

export function unseal(sealed: SealedValue, privateKey: KeyLike): string {
  const aes = privateDecrypt({ key: privateKey, ...OAEP }, Buffer.from(sealed.key, "base64"));
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
