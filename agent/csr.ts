// Keys and certificate requests made on the host, with Node's crypto only: the keys from its
// native generator, the PKCS#10 request (RFC 2986) encoded by agent/der.ts and signed natively.
import { createPublicKey, generateKeyPair, sign, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import type { Subject } from "../shared/dn.js";
import { bitString, nullValue, objectIdentifier, pem, sequence, set, smallInteger, tlv, utf8String } from "./der.js";

const generate = promisify(generateKeyPair);

/** An RSA-2048 key (certificates Koji and httpd use). Off the event loop (the thread pool): one process may run many agents. */
export async function generateKeyPem(): Promise<string> {
  const { privateKey } = await generate("rsa", { modulusLength: 2048 });
  return privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

/**
 * The agent's own identity key (its NATS client certificate, the key its secrets are sealed
 * to): EC P-256, made in well under a millisecond where RSA-2048 takes ~0.1 s on an idle core
 * and seconds when a farm's hosts share a loaded machine (the first run of a new farm).
 */
export async function generateIdentityKeyPem(): Promise<string> {
  const { privateKey } = await generate("ec", { namedCurve: "P-256" });
  return privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

const ATTRIBUTE_OID = { CN: "2.5.4.3", O: "2.5.4.10", OU: "2.5.4.11" } as const;
const SHA256_WITH_RSA = "1.2.840.113549.1.1.11";
const ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";

/** X.501 Name: one single-valued RDN per entry, in the order given (least specific first). */
const name = (subject: Subject): Buffer => sequence(...subject.map(([type, value]) => set(sequence(objectIdentifier(ATTRIBUTE_OID[type]), utf8String(value)))));

export function createCsr(key: KeyObject, subject: Subject): string {
  if (key.asymmetricKeyType !== "rsa" && key.asymmetricKeyType !== "ec") throw new Error(`certificate requests are made with RSA or EC keys, not ${key.asymmetricKeyType}`);
  const spki = createPublicKey(key).export({ type: "spki", format: "der" });
  // version 0, subject, key, and an empty [0] attributes set (required even when empty).
  const info = sequence(smallInteger(0), name(subject), spki, tlv(0xa0));
  // ECDSA's signature comes DER-encoded (r, s), as X.509 wants it; its algorithm has no parameters (RFC 5758).
  const signature = sign("sha256", info, key);
  const alg = key.asymmetricKeyType === "ec" ? sequence(objectIdentifier(ECDSA_WITH_SHA256)) : sequence(objectIdentifier(SHA256_WITH_RSA), nullValue());
  return pem("CERTIFICATE REQUEST", sequence(info, alg, bitString(signature)));
}
