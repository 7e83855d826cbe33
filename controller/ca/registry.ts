// What the CA issued to whom, and what it revoked: an append-only index next to the CA.
// `ca revoke HOST` revokes every certificate issued to the host; the CRL lists them.
import { appendFile, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { IssuedCertificate } from "./authority.js";

export interface IssuedRecord {
  serial: string;
  host: string;
  name: string;
  subject: string;
  notAfter: string;
  revokedAt?: string;
}

const INDEX = "issued.jsonl";

export class CaRegistry {
  constructor(private readonly dir: string) {}

  async record(host: string, name: string, issued: IssuedCertificate): Promise<void> {
    const line: IssuedRecord = { serial: issued.serial, host, name, subject: issued.subject, notAfter: issued.notAfter.toISOString() };
    await appendFile(join(this.dir, INDEX), `${JSON.stringify(line)}\n`, { mode: 0o600 });
  }

  /** The index as last parsed, and the file's size and mtime then: barred() runs on every CSR. */
  private parsed: { stamp: string; records: IssuedRecord[] } | null = null;

  async all(): Promise<IssuedRecord[]> {
    const st = await stat(join(this.dir, INDEX)).catch(() => null);
    const stamp = st ? `${st.size}:${st.mtimeMs}` : "absent";
    if (this.parsed?.stamp !== stamp) this.parsed = { stamp, records: await this.read() };
    return this.parsed.records;
  }

  private async read(): Promise<IssuedRecord[]> {
    const text = await readFile(join(this.dir, INDEX), "utf8").catch(() => "");
    const bySerial = new Map<string, IssuedRecord>();
    for (const line of text.split("\n").filter(Boolean)) {
      const r = JSON.parse(line) as IssuedRecord;
      bySerial.set(r.serial, { ...bySerial.get(r.serial), ...r });
    }
    return [...bySerial.values()];
  }

  /** Revokes every certificate issued to `host`; returns what was revoked now. */
  async revokeHost(host: string, at = new Date()): Promise<IssuedRecord[]> {
    const now = (await this.all()).filter((r) => r.host === host && !r.revokedAt);
    const revokedAt = at.toISOString();
    if (now.length > 0) await appendFile(join(this.dir, INDEX), now.map((r) => `${JSON.stringify({ ...r, revokedAt })}\n`).join(""));
    return now.map((r) => ({ ...r, revokedAt }));
  }

  async revoked(): Promise<IssuedRecord[]> {
    return (await this.all()).filter((r) => r.revokedAt);
  }

  /**
   * Revoked, and not enrolled again since (no agent certificate left unrevoked): such a host
   * gets no new certificate by CSR, or revoking it would last only until its next request.
   * Enrolling it with a new token, an administrator's act, lifts the bar.
   */
  async barred(host: string): Promise<boolean> {
    const mine = (await this.all()).filter((r) => r.host === host);
    return mine.some((r) => r.revokedAt) && !mine.some((r) => r.name === "agent" && !r.revokedAt);
  }

  async revokedHosts(): Promise<string[]> {
    return [...new Set((await this.revoked()).map((r) => r.host))].sort();
  }
}
