// The enrollment certificate of each host: its public key is what the host's secrets are
// sealed to.
import { X509Certificate, type KeyObject } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../shared/atomic-file.js";
import { isHostName } from "../../shared/names.js";

export class HostKeys {
  /**
   * Each enrolled host's key. Every put of a catalog with secrets asks, and reading the file was
   * a wait behind the thread pool and parsing it the rest. save() is the only writer of these
   * files (the leader's enrollment; a new leader starts with a new HostKeys).
   */
  private readonly keys = new Map<string, KeyObject>();
  /** Moves at the start and the end of each save: a read that overlapped one is not kept. */
  private saves = 0;

  constructor(private readonly dir: string) {}

  private file(host: string): string {
    if (!isHostName(host)) throw new Error(`invalid host name ${JSON.stringify(host)}`);
    return join(this.dir, `${host}.crt`);
  }

  async save(host: string, certificatePem: string): Promise<void> {
    this.saves++;
    this.keys.delete(host);
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.file(host), certificatePem, 0o644);
    } finally {
      this.saves++;
      this.keys.delete(host);
    }
  }

  async publicKey(host: string): Promise<KeyObject | null> {
    const known = this.keys.get(host);
    if (known) return known;
    const saves = this.saves;
    const pem = await readFile(this.file(host), "utf8").catch(() => null);
    if (!pem) return null;
    const key = new X509Certificate(pem).publicKey;
    if (this.saves === saves) this.keys.set(host, key);
    return key;
  }
}
