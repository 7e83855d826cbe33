// One-time, expiring bootstrap tokens for enrollment. One file per token, named by the
// token's SHA-256 (the token itself is never stored). Spending a token is an atomic rename,
// so `koji-fleet token create` and a running controller never race, and a replay finds the
// token already spent.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../shared/atomic-file.js";

export interface TokenRecord {
  host: string;
  createdAt: string;
  expiresAt: string;
  usedAt?: string;
}

export type TokenCheck = { ok: true; record: TokenRecord } | { ok: false; reason: string };

/** Where the controller keeps token records: in its state directory. */
export const tokenFile = (stateDir: string): string => join(stateDir, "enrollment-tokens");

const hash = (token: string): string => createHash("sha256").update(token).digest("hex");

export class TokenStore {
  constructor(readonly dir: string) {}

  private path(token: string, state: "open" | "used"): string {
    return join(this.dir, `${hash(token)}.${state}.json`);
  }

  /** Creates a token for `host`, valid for `ttlSeconds`; returns the token (shown once). */
  async create(host: string, ttlSeconds: number, now = new Date()): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const token = `kft_${randomBytes(24).toString("base64url")}`;
    const record: TokenRecord = { host, createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString() };
    await writeFileAtomic(this.path(token, "open"), JSON.stringify(record), 0o600);
    return token;
  }

  /** Checks a token for `host` and spends it. Every refusal says why. */
  async redeem(host: string, token: string, now = new Date()): Promise<TokenCheck> {
    try {
      // Whoever renames first owns the token; a presented token is spent even when refused below.
      await rename(this.path(token, "open"), this.path(token, "used"));
    } catch {
      const used = await readFile(this.path(token, "used"), "utf8").catch(() => null);
      if (!used) return { ok: false, reason: "unknown token" };
      return { ok: false, reason: `token already used at ${(JSON.parse(used) as TokenRecord).usedAt ?? "an earlier enrollment"} (replay refused)` };
    }
    const record = JSON.parse(await readFile(this.path(token, "used"), "utf8")) as TokenRecord;
    record.usedAt = now.toISOString();
    await writeFileAtomic(this.path(token, "used"), JSON.stringify(record), 0o600);
    if (Date.parse(record.expiresAt) <= now.getTime()) return { ok: false, reason: `token expired at ${record.expiresAt}` };
    if (record.host !== host) return { ok: false, reason: `token is for host ${record.host}, not ${host}` };
    return { ok: true, record };
  }
}
