// Keys and certificate requests made on the host. node-forge builds the CSR (Node's crypto
// cannot); the RSA key itself comes from Node's native generator. forge is loaded only when a
// CSR is made: it is ~9 MB of resident memory an idle agent does not need (bench/README.md).
import { generateKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import type { Subject } from "../shared/dn.js";
import type forgeTypes from "node-forge";

const generate = promisify(generateKeyPair);

/** Off the event loop (the thread pool): one process may run many agents. */
export async function generateKeyPem(): Promise<string> {
  const { privateKey } = await generate("rsa", { modulusLength: 2048 });
  return privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

export async function createCsr(key: KeyObject, subject: Subject): Promise<string> {
  const { default: forge } = await import("node-forge");
  const forgeKey = forge.pki.privateKeyFromPem(key.export({ type: "pkcs8", format: "pem" }).toString()) as forgeTypes.pki.rsa.PrivateKey;
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  csr.setSubject(subject.map(([shortName, value]) => ({ shortName, value })));
  csr.sign(forgeKey, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}
