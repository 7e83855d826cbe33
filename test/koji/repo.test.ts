// Assertion 7 of issue 18: a tag made with the Koji CLI and `koji regen-repo` (on 1.35, a repo
// request kojira acts on): the newRepo and createrepo tasks run on the builder's kojid and the
// repodata lands under /mnt/koji/repos on the NFS host. This proves at once the builder's
// createrepo channel, kojira's `repo` permission and the shared tree (read-only on the builder,
// written by the hub).
import { readFile } from "node:fs/promises";
import { describe, expect, inject, it } from "vitest";
import { PATHS } from "../../controller/compile/farm.js";
import { BUILDER, HUB } from "../support/compiled-fleet.js";
import { attachFarm } from "./farm.js";
import { fqdn, koji, sql } from "./lane.js";

const farm = attachFarm(inject("farm"));
const hub = farm.host(HUB);
const nfs = farm.host("cs10-koji-02");

describe("a repo regenerated on the running farm", () => {
  it("regen-repo: newRepo and createrepo run on the builder, repodata appears under /mnt/koji/repos", { timeout: 200_000 }, async () => {
    await koji(hub, "add-tag", "lane-build", "--arches", "x86_64");
    await koji(hub, "add-tag", "lane-dest");
    await koji(hub, "add-target", "lane-target", "lane-build", "lane-dest");
    // Koji 1.35: a repo request (the hub) that kojira turns into a newRepo task; --wait until ready.
    const regen = koji(hub, "regen-repo", "--wait", "--timeout", "3", "lane-build");
    // The hub assigns tasks in scheduler runs, at most one per RunInterval (60 s) on builder
    // check-ins; newRepo and then createrepo would wait out two. Koji's admin call forces runs.
    let done = false;
    void regen.finally(() => (done = true)).catch(() => undefined);
    while (!done) {
      await koji(hub, "call", "scheduler.doRun", "force=True");
      await Promise.race([regen.catch(() => undefined), new Promise((r) => setTimeout(r, 2_000))]);
    }
    await regen;

    const repoId = (await sql(farm, "SELECT r.id FROM repo r JOIN tag t ON t.id = r.tag_id WHERE t.name = 'lane-build' AND r.state = 1")).trim();
    expect(repoId).toMatch(/^\d+$/);
    // The repo's newRepo task and its createrepo child (the farm's own content has repos of its own).
    const tasks = await sql(farm, `SELECT t.method || ' ' || h.name || ' ' || t.state FROM task t JOIN host h ON h.id = t.host_id, repo r WHERE r.id = ${repoId} AND (t.id = r.task_id OR t.parent = r.task_id) ORDER BY t.id`);
    // TASK_STATES: 2 = CLOSED.
    expect(tasks.trim().split("\n")).toEqual([`newRepo ${fqdn(BUILDER)} 2`, `createrepo ${fqdn(BUILDER)} 2`]);
    const repomd = `${PATHS.packagedTopdir}/repos/lane-build/${repoId}/x86_64/repodata/repomd.xml`;
    expect(await readFile(nfs.path(repomd), "utf8")).toMatch(/<repomd/);
    // The builder sees the same tree (its read-only mount of the NFS export).
    expect(await readFile(farm.host(BUILDER).path(repomd), "utf8")).toMatch(/<repomd/);
  });
});
