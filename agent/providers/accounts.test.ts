// Owner and group names resolved at every observe: each database is read again only when the
// file changed, so an account added by an earlier resource of the same converge is seen.
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const reads = vi.hoisted(() => [] as string[]);
vi.mock("node:fs/promises", async (actual) => {
  const real = await actual<typeof import("node:fs/promises")>();
  return { ...real, readFile: (...args: Parameters<typeof real.readFile>) => (reads.push(String(args[0])), real.readFile(...args)) };
});
const { resolveGroupId, resolveUserId } = await import("./accounts.js");

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(join(tmpdir(), "kf-accounts-"));
  reads.length = 0;
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("resolveUserId / resolveGroupId", () => {
  it("reads a database once while the file stays the same, and every time while it was changed in the last 2 s", { timeout: 10_000 }, async () => {
    const passwd = join(dir, "passwd");
    fs.writeFileSync(passwd, "koji:x:989:985::/:/sbin/nologin\napache:x:48:48::/:/sbin/nologin\n");
    // Just written: an edit in place within the same timestamp tick would go unseen, so not kept.
    expect(await resolveUserId("koji", passwd)).toBe(989);
    expect(await resolveUserId("koji", passwd)).toBe(989);
    expect(reads).toEqual([passwd, passwd]);
    reads.length = 0;
    await new Promise((r) => setTimeout(r, 2_100));
    expect(await resolveUserId("koji", passwd)).toBe(989);
    expect(await resolveUserId("apache", passwd)).toBe(48);
    expect(await resolveUserId("koji", passwd)).toBe(989);
    expect(reads).toEqual([passwd]);
  });

  it("sees an account added as useradd adds it (a new file renamed over), or by an edit in place", async () => {
    const group = join(dir, "group");
    fs.writeFileSync(group, "koji:x:985:\n");
    await expect(resolveGroupId("kojibuilder", group)).rejects.toThrow(`unknown group 'kojibuilder' (not in ${group})`);
    fs.writeFileSync(`${group}+`, "koji:x:985:\nkojibuilder:x:984:\n");
    fs.renameSync(`${group}+`, group);
    expect(await resolveGroupId("kojibuilder", group)).toBe(984);
    fs.appendFileSync(group, "mock:x:983:\n");
    expect(await resolveGroupId("mock", group)).toBe(983);
    expect(reads).toEqual([group, group, group]);
  });
});
