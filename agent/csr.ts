// Keys and certificate requests made on the host, with Node's crypto only: the RSA key from its
// native generator, the PKCS#10 request (RFC 2986) encoded by agent/der.ts and signed natively.
import { createPublicKey, generateKeyPair, sign, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import type { Subject } from "../shared/dn.js";
import { bitString, nullValue, objectIdentifier, pem, sequence, set, smallInteger, tlv, utf8String } from "./der.js";

const generate = promisify(generateKeyPair);

/** Off the event loop (the thread pool): one process may run many agents. */
export async function generateKeyPem(): Promise<string> {
  const { privateKey } = await generate("rsa", { modulusLength: 2048 });
  return privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

const ATTRIBUTE_OID = { CN: "2.5.4.3", O: "2.5.4.10", OU: "2.5.4.11" } as const;
const SHA256_WITH_RSA = "1.2.840.113549.1.1.11";

/** X.501 Name: one single-valued RDN per entry, in the order given (least specific first). */
const name = (subject: Subject): Buffer => sequence(...subject.map(([type, value]) => set(sequence(objectIdentifier(ATTRIBUTE_OID[type]), utf8String(value)))));

export function createCsr(key: KeyObject, subject: Subject): string {
  if (key.asymmetricKeyType !== "rsa") throw new Error(`certificate requests are made with RSA keys, not ${key.asymmetricKeyType}`);
  const spki = createPublicKey(key).export({ type: "spki", format: "der" });
  // version 0, subject, key, and an empty [0] attributes set (required even when empty).
  const info = sequence(smallInteger(0), name(subject), spki, tlv(0xa0));
  const signature = sign("sha256", info, key);
  return pem("CERTIFICATE REQUEST", sequence(info, sequence(objectIdentifier(SHA256_WITH_RSA), nullValue()), bitString(signature)));
}
