// Fleet secrets, generated on first use and kept encrypted at rest (AES-256-GCM under a
// 0600 master key in the controller's state directory). fleet.yaml names secrets; values
// exist only here and, sealed to one host each, inside that host's catalog.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../shared/atomic-file.js";

interface Stored {
  iv: string;
  data: string;
  tag: string;
  createdAt: string;
}

export class SecretVault {
  private cache: Record<string, Stored> | null = null;
  /** One operation at a time: concurrent first uses must not each generate and overwrite. */
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly key: Buffer,
  ) {}

  static async open(stateDir: string): Promise<SecretVault> {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    const keyFile = join(stateDir, "secrets.key");
    let key = await readFile(keyFile).catch(() => null);
    if (!key) {
      key = randomBytes(32);
      await writeFileAtomic(keyFile, key, 0o600);
    }
    return new SecretVault(join(stateDir, "secrets.json"), key);
  }

  private async load(): Promise<Record<string, Stored>> {
    this.cache ??= JSON.parse(await readFile(this.file, "utf8").catch(() => "{}")) as Record<string, Stored>;
    return this.cache;
  }

  /** The secret's value, generated (32 random bytes, base64url) the first time it is asked for. */
  ensure(name: string): Promise<string> {
    const run = this.chain.then(() => this.ensureNow(name));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async ensureNow(name: string): Promise<string> {
    const all = await this.load();
    const stored = all[name];
    if (stored) {
      const d = createDecipheriv("aes-256-gcm", this.key, Buffer.from(stored.iv, "base64"));
      d.setAuthTag(Buffer.from(stored.tag, "base64"));
      return Buffer.concat([d.update(Buffer.from(stored.data, "base64")), d.final()]).toString("utf8");
    }
    const value = randomBytes(32).toString("base64url");
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", this.key, iv);
    const data = Buffer.concat([c.update(value, "utf8"), c.final()]);
    all[name] = { iv: iv.toString("base64"), data: data.toString("base64"), tag: c.getAuthTag().toString("base64"), createdAt: new Date().toISOString() };
    await writeFileAtomic(this.file, `${JSON.stringify(all, null, 1)}\n`, 0o600);
    return value;
  }
}
