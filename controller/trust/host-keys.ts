// The enrollment certificate of each host: its public key is what the host's secrets are
// sealed to.
import { X509Certificate, type KeyObject } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../shared/atomic-file.js";
import { isHostName } from "../../shared/names.js";

export class HostKeys {
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
    return pem ? new X509Certificate(pem).publicKey : null;
  }
}
