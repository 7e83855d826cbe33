// PKCS#10 certificate requests (RFC 2986), read with Node's crypto: node-forge reads RSA keys
// only, and the CA also signs EC keys. A small DER walk finds the parts whose exact bytes matter
// (the signed request info, the key, the signature), so nothing is re-encoded before checking.
// The key must be one the CA's policy accepts; refusals name the key's type and size.
import { createHash, createPublicKey, verify, type KeyObject } from "node:crypto";
import { FleetError } from "../../shared/errors.js";

export interface CertificateRequest {
  /** The SubjectPublicKeyInfo as sent (DER): what the certificate will carry. */
  readonly spki: Buffer;
  readonly key: KeyObject;
  /** RFC 5280's method 1: SHA-1 of the public key's bits (forge's choice too). */
  readonly subjectKeyIdentifier: Buffer;
  /** The first CN the request asks for; the CA never uses it as the subject. */
  readonly commonName: string | null;
}

export const KEY_POLICY = "RSA keys of at least 2048 bits and EC keys on P-256 or P-384";

interface Der {
  tag: number;
  content: Buffer;
  whole: Buffer;
}

/** The DER element starting at `at`. */
function element(buf: Buffer, at = 0): Der {
  const tag = buf[at];
  let length = buf[at + 1];
  let start = at + 2;
  if (tag === undefined || length === undefined || (tag & 0x1f) === 0x1f) throw new Error("truncated DER");
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 4 || start + n > buf.length) throw new Error("bad DER length");
    length = buf.readUIntBE(start, n);
    start += n;
  }
  if (start + length > buf.length) throw new Error("truncated DER");
  return { tag, content: buf.subarray(start, start + length), whole: buf.subarray(at, start + length) };
}

function children(d: Der, tag = 0x30): Der[] {
  if (d.tag !== tag) throw new Error(`expected DER tag ${tag.toString(16)}, found ${d.tag.toString(16)}`);
  const out: Der[] = [];
  for (let at = 0; at < d.content.length; at += out.at(-1)!.whole.length) out.push(element(d.content, at));
  return out;
}

// Signature algorithm OIDs (DER content, hex) → the hash, and the key type that signs with it.
const SIGNATURES: Readonly<Record<string, { hash: string; key: string }>> = {
  "2a864886f70d01010b": { hash: "sha256", key: "rsa" },
  "2a864886f70d01010c": { hash: "sha384", key: "rsa" },
  "2a864886f70d01010d": { hash: "sha512", key: "rsa" },
  "2a8648ce3d040302": { hash: "sha256", key: "ec" },
  "2a8648ce3d040303": { hash: "sha384", key: "ec" },
  "2a8648ce3d040304": { hash: "sha512", key: "ec" },
};
const CN_OID = "550403";
const CURVES: Readonly<Record<string, string>> = { prime256v1: "P-256", secp384r1: "P-384", secp521r1: "P-521" };
const ACCEPTED_CURVES = new Set(["prime256v1", "secp384r1"]);

/** A key in words: `RSA 1024-bit`, `EC P-521`, `Ed25519`. */
export function describeKey(key: KeyObject): string {
  const { modulusLength, namedCurve } = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case "rsa":
      return `RSA ${modulusLength}-bit`;
    case "rsa-pss":
      return `RSA-PSS ${modulusLength}-bit`;
    case "ec":
      return `EC ${CURVES[namedCurve ?? ""] ?? namedCurve}`;
    case "ed25519":
      return "Ed25519";
    case "ed448":
      return "Ed448";
    default:
      return String(key.asymmetricKeyType).toUpperCase();
  }
}

/** Pure: why the CA will not sign for `key`, or null. */
export function keyProblem(key: KeyObject): string | null {
  const { modulusLength = 0, namedCurve = "" } = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "rsa" && modulusLength >= 2048) return null;
  if (key.asymmetricKeyType === "ec" && ACCEPTED_CURVES.has(namedCurve)) return null;
  return `the certificate request's key is ${describeKey(key)}: the CA signs only ${KEY_POLICY}`;
}

function commonName(subject: Der): string | null {
  for (const rdn of children(subject)) {
    for (const attribute of children(rdn, 0x31)) {
      const [type, value] = children(attribute);
      if (type?.content.toString("hex") === CN_OID && value) return value.content.toString("utf8");
    }
  }
  return null;
}

const usage = (message: string) => new FleetError("KF_ERR_USAGE", message);

/** An element that must be there, with `tag` if given. */
function need(d: Der | undefined, tag?: number): Der {
  if (!d || (tag !== undefined && d.tag !== tag)) throw new Error("not a PKCS#10 request");
  return d;
}

/** A BIT STRING of whole bytes (keys and signatures are) without its unused-bits octet. */
function bytes(bitString: Der): Buffer {
  if (bitString.content[0] !== 0) throw new Error("a BIT STRING with unused bits");
  return bitString.content.subarray(1);
}

/** The parts of a request whose exact bytes matter (RFC 2986 §4). */
function partsOf(der: Buffer) {
  const [info, algorithm, signature] = children(element(der));
  const [, subject, spki] = children(need(info));
  return {
    info: need(info).whole,
    subject: need(subject),
    spki: need(spki).whole,
    keyBits: bytes(need(children(need(spki))[1], 0x03)),
    algorithm: need(children(need(algorithm))[0], 0x06).content.toString("hex"),
    signature: bytes(need(signature, 0x03)),
  };
}

/** Reads and checks a request: well-formed, a key the policy accepts, a signature that verifies. */
export function readCsr(pem: string): CertificateRequest {
  const m = /-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----([A-Za-z0-9+/=\s]+)-----END (?:NEW )?CERTIFICATE REQUEST-----/.exec(pem);
  if (!m) throw usage("not a PEM certificate request");
  let parts: ReturnType<typeof partsOf>;
  let cn: string | null;
  try {
    parts = partsOf(Buffer.from(m[1]!.replace(/\s+/g, ""), "base64"));
    cn = commonName(parts.subject);
  } catch (err) {
    throw usage(`not a PEM certificate request: ${(err as Error).message}`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: parts.spki, format: "der", type: "spki" });
  } catch (err) {
    throw usage(`the certificate request's public key cannot be read: ${(err as Error).message}`);
  }
  const problem = keyProblem(key);
  if (problem) throw usage(problem);
  const alg = SIGNATURES[parts.algorithm];
  if (!alg || alg.key !== key.asymmetricKeyType) throw usage("the certificate request is not signed with SHA-256/384/512 and its own key's algorithm (RSA PKCS#1 v1.5 or ECDSA)");
  const verified = (() => {
    try {
      return verify(alg.hash, parts.info, key, parts.signature);
    } catch {
      return false; // e.g. an ECDSA signature that is not DER
    }
  })();
  if (!verified) throw usage("the certificate request's signature does not verify");
  return { spki: parts.spki, key, subjectKeyIdentifier: createHash("sha1").update(parts.keyBits).digest(), commonName: cn };
}
