// The enrollment certificate of each host: its public key is what the host's secrets are
// sealed to.
import { X509Certificate, type KeyObject } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../shared/atomic-file.js";
import { isHostName } from "../../shared/names.js";

export class HostKeys {
  /** Each host's key with the certificate it came from: every put of a catalog with secrets asks, and parsing is most of the cost. */
  private readonly keys = new Map<string, { pem: string; key: KeyObject }>();

  constructor(private readonly dir: string) {}

  private file(host: string): string {
    if (!isHostName(host)) throw new Error(`invalid host name ${JSON.stringify(host)}`);
    return join(this.dir, `${host}.crt`);
  }

  async save(host: string, certificatePem: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file(host), certificatePem, 0o644);
  }

  async publicKey(host: string): Promise<KeyObject | null> {
    const pem = await readFile(this.file(host), "utf8").catch(() => null);
    if (!pem) {
      this.keys.delete(host);
      return null;
    }
    const known = this.keys.get(host);
    if (known?.pem === pem) return known.key;
    const key = new X509Certificate(pem).publicKey;
    this.keys.set(host, { pem, key });
    return key;
  }
}
