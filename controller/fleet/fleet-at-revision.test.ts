// fleet.yaml is read from git and validated once per revision; a few revisions are kept.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { GitSource } from "../git/source.js";
import { createRemote, type Remote } from "../../test/support/git.js";
import { makeTmpDir, removeDir } from "../../test/support/tmp.js";
import { FleetAtRevision } from "./fleet-at-revision.js";

describe("FleetAtRevision", () => {
  let remote: Remote;
  let dir: string;
  let git: GitSource;
  const shas: string[] = [];
  beforeAll(async () => {
    remote = await createRemote();
    dir = await makeTmpDir("kf-fleet-at-");
    const yaml = await readFile(new URL("../../gitops/fleet.yaml", import.meta.url), "utf8");
    for (let i = 0; i < 10; i++) shas.push(await remote.commitAll(`r${i}`, { "fleet.yaml": yaml.replace("maxjobs: 10", `maxjobs: ${i + 1}`) }));
    shas.push(await remote.commitAll("gone", { "fleet.yaml": null, "README": "no fleet here" }));
    git = new GitSource({ url: remote.bareDir, mirrorDir: join(dir, "mirror.git") });
    await git.sync();
  });
  afterAll(async () => {
    await git?.close();
    await remote?.cleanup();
    await removeDir(dir);
  });

  it("reads a revision's fleet.yaml once, keeps the last 8 revisions used, and says when the file is missing", async () => {
    const reads = vi.spyOn(git, "readFile");
    const fleets = new FleetAtRevision(git, "fleet.yaml");
    const at = async (i: number) => fleets.load(await git.commitInfo(shas[i]!));
    const first = await at(0);
    expect(first.ok && first.fleet.koji?.builders?.maxjobs).toBe(1);
    expect(await at(0)).toBe(first);
    expect(reads).toHaveBeenCalledTimes(1);
    for (let i = 1; i <= 8; i++) await at(i); // 9 revisions used: the oldest (0) is dropped
    expect(reads).toHaveBeenCalledTimes(9);
    await at(8);
    expect(reads).toHaveBeenCalledTimes(9);
    await at(0);
    expect(reads).toHaveBeenCalledTimes(10);
    const missing = await at(10);
    expect(missing.ok ? null : missing.errors[0]?.message).toMatch(/^file not found at revision [0-9a-f]{7}/);
  });
});
