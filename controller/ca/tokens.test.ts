import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TokenStore } from "./tokens.js";

const dir = () => mkdtempSync(join(tmpdir(), "kf-tokens-"));

describe("enrollment tokens", () => {
  it("stores only a hash, 0600; the token itself appears in no file name or content", async () => {
    const d = dir();
    const token = await new TokenStore(d).create("cs10-koji-03", 60);
    const files = readdirSync(d);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{64}\.open\.json$/);
    expect(statSync(join(d, files[0]!)).mode & 0o777).toBe(0o600);
    expect(files[0]).not.toContain(token.slice(4));
  });

  it("two stores on one directory (CLI and controller) lose no token", async () => {
    const d = dir();
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => new TokenStore(d).create(`h${i}`, 60)));
    const results = await Promise.all(tokens.map((t, i) => new TokenStore(d).redeem(`h${i}`, t)));
    expect(results.every((r) => r.ok)).toBe(true);
  });

  it("the same token redeemed concurrently succeeds exactly once; the rest are replays", async () => {
    const d = dir();
    const token = await new TokenStore(d).create("h1", 60);
    const results = await Promise.all(Array.from({ length: 8 }, () => new TokenStore(d).redeem("h1", token)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const r of results.filter((x) => !x.ok)) expect(r).toMatchObject({ ok: false, reason: expect.stringContaining("replay refused") });
  });
});
