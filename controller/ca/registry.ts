// What the CA issued to whom, and what it revoked: an append-only index next to the CA.
// `ca revoke NAME` revokes every certificate issued to the host, or made by `ca issue` for
// NAME; the CRL lists them.
import { constants } from "node:fs";
import { open, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { IssuedCertificate } from "./authority.js";

export interface IssuedRecord {
  serial: string;
  /** The host it was issued to; for `ca issue`, its NAME. */
  host: string;
  name: string;
  subject: string;
  notAfter: string;
  /**
   * Set for what `koji-fleet ca issue` made (nats-server, the API, the controller's and the
   * enrollment identities): no host's, so revoking it takes no host's NATS user and bars no CSR.
   */
  issued?: "server" | "client";
  revokedAt?: string;
}

const INDEX = "issued.jsonl";

export class CaRegistry {
  constructor(private readonly dir: string) {}

  async record(host: string, name: string, issued: IssuedCertificate): Promise<void> {
    const line: IssuedRecord = { serial: issued.serial, host, name, subject: issued.subject, notAfter: issued.notAfter.toISOString() };
    await this.append(`${JSON.stringify(line)}\n`);
  }

  /** A certificate `koji-fleet ca issue KIND NAME` made. */
  async recordIssued(kind: "server" | "client", name: string, issued: IssuedCertificate): Promise<void> {
    const line: IssuedRecord = { serial: issued.serial, host: name, name: `ca issue ${kind}`, subject: issued.subject, notAfter: issued.notAfter.toISOString(), issued: kind };
    await this.append(`${JSON.stringify(line)}\n`);
  }

  /**
   * Appends to the index, never through a symlink (`ca issue` and `ca revoke` run as root in a
   * directory the controller's user owns). An index root creates is given the directory's
   * owner: a root-owned one would lock the controller out of recording enrollments.
   */
  private async append(text: string): Promise<void> {
    const handle = await open(join(this.dir, INDEX), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    try {
      const file = await handle.stat();
      if (file.uid === 0 && process.getuid?.() === 0) {
        const dir = await stat(this.dir);
        if (dir.uid !== 0) await handle.chown(dir.uid, dir.gid);
      }
      await handle.appendFile(text);
    } finally {
      await handle.close();
    }
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

  /** Revokes every certificate issued to `host` (or made by `ca issue` for that NAME); returns what was revoked now. */
  async revokeHost(host: string, at = new Date()): Promise<IssuedRecord[]> {
    const now = (await this.all()).filter((r) => r.host === host && !r.revokedAt);
    const revokedAt = at.toISOString();
    if (now.length > 0) await this.append(now.map((r) => `${JSON.stringify({ ...r, revokedAt })}\n`).join(""));
    return now.map((r) => ({ ...r, revokedAt }));
  }

  /** Whether the index holds a certificate issued to `name`. */
  async knows(name: string): Promise<boolean> {
    return (await this.all()).some((r) => r.host === name);
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
    const mine = (await this.all()).filter((r) => r.host === host && !r.issued);
    return mine.some((r) => r.revokedAt) && !mine.some((r) => r.name === "agent" && !r.revokedAt);
  }

  /** Hosts with a revoked certificate (their NATS users go); not what `ca issue` made. */
  async revokedHosts(): Promise<string[]> {
    return [...new Set((await this.revoked()).filter((r) => !r.issued).map((r) => r.host))].sort();
  }

  /** The NAMEs of revoked certificates `ca issue` made, with their kind. */
  async revokedIssued(): Promise<{ name: string; kind: "server" | "client" }[]> {
    const out = new Map<string, "server" | "client">();
    for (const r of await this.revoked()) if (r.issued) out.set(r.host, r.issued);
    return [...out].map(([name, kind]) => ({ name, kind })).sort((a, b) => a.name.localeCompare(b.name));
  }
}
