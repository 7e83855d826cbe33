// `koji-fleet init DIR` through the real binary (bin/koji-fleet.js over dist/: npm run build
// first), then real git commits against the pre-commit hook it installs.
import { execFile } from "node:child_process";
import { mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { useTmpDirs } from "./support/tmp.js";
import { TEST_AUTHOR } from "./support/git.js";

const BIN = fileURLToPath(new URL("../bin/koji-fleet.js", import.meta.url));
const GITOPS = fileURLToPath(new URL("../gitops", import.meta.url));
const tmp = useTmpDirs();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: string[], cwd?: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}
const kojiFleet = (args: string[]) => exec(process.execPath, [BIN, ...args]);
const git = (dir: string, args: string[]) => exec("git", ["-c", `user.name=${TEST_AUTHOR.name}`, "-c", `user.email=${TEST_AUTHOR.email}`, ...args], dir);

describe("koji-fleet init", { timeout: 60_000 }, () => {
  it("makes a repository from the example whose pre-commit hook accepts a valid commit and refuses a broken fleet.yaml at file:line:col", async () => {
    const dir = join(await tmp(), "farm");
    const r = await kojiFleet(["init", dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`created ${dir}`);
    expect((await readdir(dir)).sort()).toEqual([".git", "README.md", "fleet.schema.json", "fleet.yaml", "koji-content.schema.json"]);
    for (const f of ["fleet.yaml", "fleet.schema.json", "koji-content.schema.json"]) {
      expect(await readFile(join(dir, f), "utf8"), f).toBe(await readFile(join(GITOPS, f), "utf8"));
    }
    expect((await stat(join(dir, ".git/hooks/pre-commit"))).mode & 0o111).toBeTruthy();
    expect((await git(dir, ["symbolic-ref", "--short", "HEAD"])).stdout.trim()).toBe("main");

    await git(dir, ["add", "."]);
    const accepted = await git(dir, ["commit", "-qm", "the farm"]);
    expect(accepted.code, accepted.stderr).toBe(0);
    const head = (await git(dir, ["rev-parse", "HEAD"])).stdout.trim();

    // A typo staged, then fixed in the working tree only: the staged file is what is checked.
    const example = await readFile(join(dir, "fleet.yaml"), "utf8");
    await writeFile(join(dir, "fleet.yaml"), example.replace("roles: [database]", "roles: [databse]"));
    await git(dir, ["add", "fleet.yaml"]);
    await writeFile(join(dir, "fleet.yaml"), example);
    const refused = await git(dir, ["commit", "-qm", "a typo"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/^fleet\.yaml:\d+:\d+: hosts\[\d\] cs10-koji-\d\d: unknown role 'databse' \(did you mean 'database'\?\)/m);
    expect(refused.stderr).toContain("koji-fleet: commit refused: fleet.yaml does not validate");
    expect((await git(dir, ["rev-parse", "HEAD"])).stdout.trim()).toBe(head);
  });

  it("--help: usage with the exit codes; no DIR is a usage error (exit 2)", async () => {
    const help = await kojiFleet(["init", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: koji-fleet init DIR\n[^]*pre-commit hook[^]*12 DIR is not empty/);
    expect((await kojiFleet(["init"])).code).toBe(2);
  });

  it("refuses a directory that is not empty (exit 12), and leaves it as it was", async () => {
    const dir = await tmp();
    await mkdir(join(dir, "keep"));
    const r = await kojiFleet(["init", dir]);
    expect(r.code).toBe(12);
    expect(r.stderr).toContain(`KF_ERR_CONFLICT: ${dir} is not empty (keep)`);
    expect(await readdir(dir)).toEqual(["keep"]);
  });
});
