// A Koji client's TLS material: the CA the hub's certificate must chain to and the client
// certificate it logs in with. The controller reads them from plain files (here); the agent's
// probes read theirs under the agent's root (agent/probes/tls-props.ts).
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { FleetError } from "../errors.js";
import type { TlsMaterial } from "../http-request.js";

export interface KojiCredentialFiles {
  /** The farm CA (PEM): the only trust anchor for the hub's certificate. */
  readonly caFile: string;
  /** The client certificate (PEM); may also hold the key, like Koji's client.crt. */
  readonly certFile?: string;
  /** The client key (PEM); default: read from certFile. */
  readonly keyFile?: string;
}

/** Reads the files at each call: a file that is missing now may be there for the next session. */
export function credentialFiles(files: KojiCredentialFiles): () => Promise<TlsMaterial> {
  const read = (what: string, file: string) =>
    readFile(file, "utf8").catch((err: Error) => {
      throw new FleetError("KF_ERR_NOT_FOUND", `Koji ${what} ${file} is not readable: ${err.message}`, { cause: err });
    });
  return async () => {
    const ca = await read("CA file", files.caFile);
    if (!files.certFile) return { ca };
    const cert = await read("client certificate", files.certFile);
    return { ca, cert, key: files.keyFile ? await read("client key", files.keyFile) : cert };
  };
}

/** CN of a client certificate: the Koji user it logs in as (hub.conf DNUsernameComponent). */
export function commonName(pem: string | Buffer): string {
  const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem.toString())?.[0];
  if (!block) throw new FleetError("KF_ERR_USAGE", "the Koji client certificate file holds no PEM certificate");
  const subject = new X509Certificate(block).subject;
  return /^CN=(.*)$/m.exec(subject)?.[1] ?? subject.replace(/\n/g, ",");
}
