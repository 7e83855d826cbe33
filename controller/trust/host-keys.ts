// The enrollment certificate of each host: its public key is what the host's secrets are
// sealed to.
import { X509Certificate, type KeyObject } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../shared/atomic-file.js";
import { fileIdentity } from "../../shared/file-identity.js";
import { isHostName } from "../../shared/names.js";

export class HostKeys {
  /**
   * Each host's key and the identity of the file it was read from: every put of a catalog with
   * secrets asks, and reading the file (a wait behind the thread pool) and parsing it cost more
   * than a stat. Controllers share this directory (HA): a file another one saved since is read.
   */
  private readonly keys = new Map<string, { file: string; key: KeyObject }>();

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
    const path = this.file(host);
    const file = await fileIdentity(path);
    if (!file) {
      this.keys.delete(host);
      return null;
    }
    // A save renames a new file over the old one: another inode.
    const known = this.keys.get(host);
    if (known?.file === file.id) return known.key;
    // Read after the stat: what is read is at least as new as the identity it is kept under.
    const pem = await readFile(path, "utf8").catch(() => null);
    if (!pem) return null;
    const key = new X509Certificate(pem).publicKey;
    this.keys.set(host, { file: file.id, key });
    return key;
  }
}
