// Issue 20 on the real Koji: the example's content (gitops/fleet.yaml's koji.content, MxOS 10 on
// CentOS Stream 10) reaches the hub from the git push alone, with no Koji command typed; the
// build tag's repo is made by kojid (newRepo, createrepo) because the example asks for it
// (repo.auto) and merges the external repos, here the lane's stand-in mirror (mirror.ts); an RPM
// built here with rpmbuild, imported and tagged into mxos-10, is in the build tag's next repo.
import { copyFile, readFile, readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, inject, it } from "vitest";
import { PATHS } from "../../controller/compile/farm.js";
import { HUB } from "../support/compiled-fleet.js";
import { waitFor } from "../support/wait.js";
import { attachFarm, type FarmHost } from "./farm.js";
import { koji, sql } from "./lane.js";
import { laneMirror, MIRROR_HOST, MIRROR_REPOS, noarchSpec, rpmbuild } from "./mirror.js";

const farm = attachFarm(inject("farm"));
const hub = farm.host(HUB);
const nfs = farm.host("cs10-koji-02");
const BUILD_TAG = "mxos-10-build";

const out = async (...args: string[]) => (await koji(hub, ...args)).stdout;

/** Koji's scheduler assigns tasks at most once a minute on builder check-ins; the admin call runs it now (a lane speed-up, as in repo.test.ts). */
const schedule = () => koji(hub, "call", "scheduler.doRun", "force=True").catch(() => undefined);

/** The id of the tag's newest READY repo (repo state 1), or "" when it has none. */
const readyRepo = async (tag: string): Promise<string> =>
  (await sql(farm, `SELECT max(r.id) FROM repo r JOIN tag t ON t.id = r.tag_id WHERE t.name = '${tag}' AND r.state = 1`)).trim();

/** The package names of a repo's x86_64 repodata (primary.xml), as dnf would see them. */
async function repoPackages(host: FarmHost, tag: string, repoId: string): Promise<string[]> {
  const dir = `${PATHS.packagedTopdir}/repos/${tag}/${repoId}/x86_64`;
  const repomd = await readFile(host.path(`${dir}/repodata/repomd.xml`), "utf8");
  const href = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)?.[1];
  if (!href) throw new Error(`no primary in ${dir}/repodata/repomd.xml`);
  const raw = await readFile(host.path(`${dir}/${href}`));
  const xml = (href.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
  return [...xml.matchAll(/<package type="rpm">\s*<name>([^<]+)<\/name>/g)].map((m) => m[1]!).sort();
}

/** Waits for a READY repo of `tag` newer than `after`, running Koji's scheduler meanwhile. */
async function nextRepo(tag: string, after = "0"): Promise<string> {
  return waitFor(
    async () => {
      await schedule();
      const id = await readyRepo(tag);
      if (!id || Number(id) <= Number(after)) throw new Error(`no READY repo of ${tag} newer than ${after}`);
      return id;
    },
    { timeoutMs: 240_000, intervalMs: 3_000, message: `a new repo of ${tag}` },
  );
}

describe("Koji's content from git on the real hub", () => {
  it("the example's tags, inheritance, external repos, target, groups, packages and permissions, with no Koji command typed", { timeout: 120_000 }, async () => {
    await waitFor(async () => {
      const tags = (await out("list-tags")).split("\n");
      for (const t of ["mxos-10", "mxos-10-build", "mxos-10-candidate"]) if (!tags.includes(t)) throw new Error(`no tag ${t} yet`);
      if (!(await out("list-targets", "--quiet")).includes("mxos-10")) throw new Error("no target yet");
      if (!(await out("list-pkgs", "--tag", "mxos-10", "--quiet")).includes("mxos-release")) throw new Error("no package list yet");
    }, { timeoutMs: 90_000, intervalMs: 2_000, message: "the example's content in the hub (controller log)" });

    const taginfo = await out("taginfo", BUILD_TAG);
    expect(taginfo).toMatch(/^Arches: x86_64$/m);
    expect(taginfo).toContain("rpm.macro.dist : '.mx10'");
    expect(taginfo).toContain("repo.auto : True");
    const inheritance = await out("list-tag-inheritance", BUILD_TAG);
    expect(inheritance).toMatch(/^mxos-10-build \(\d+\)$/m);
    expect(inheritance).toMatch(/ mxos-10 \(\d+\)$/m);
    const repos = (await out("list-external-repos", "--tag", BUILD_TAG, "--quiet")).trim().split("\n").map((l) => l.trim().split(/\s+/));
    expect(repos.map((r) => r.slice(0, 3))).toEqual([["10", "cs10-baseos", "bare"], ["20", "cs10-appstream", "bare"], ["30", "cs10-crb", "bare"]]);
    expect(repos[0]![3]).toBe(`${laneMirror(farm.host(MIRROR_HOST).address)}BaseOS/$arch/os/`);
    expect((await out("list-targets", "--quiet", "--name", "mxos-10")).trim().split(/\s+/)).toEqual(["mxos-10", BUILD_TAG, "mxos-10-candidate"]);
    const groups = await out("list-groups", BUILD_TAG, "build");
    for (const pkg of ["bash", "rpm-build", "redhat-rpm-config", "xz"]) expect(groups).toContain(pkg);
    expect(await out("list-groups", BUILD_TAG, "srpm-build")).toContain("gnupg2");
    expect(await out("list-pkgs", "--tag", "mxos-10", "--quiet")).toMatch(/mxos-logos\s+mxos-10\s+mxos-packager/);
    expect((await out("list-permissions", "--user", "mxos-packager", "--quiet")).trim()).toBe("build");
  });

  it("the build tag's repo: requested by the hub itself (repo.auto), made by kojid, merging the external repos (the lane's mirror)", { timeout: 300_000 }, async () => {
    const id = await nextRepo(BUILD_TAG);
    const pkgs = await repoPackages(nfs, BUILD_TAG, id);
    expect(pkgs).toEqual(expect.arrayContaining(Object.values(MIRROR_REPOS)));
    // Made on the builder, not by hand: the repo's newRepo task and its createrepo closed (TASK_STATES 2).
    const tasks = await sql(farm, `SELECT t.method || ' ' || t.state FROM task t, repo r WHERE r.id = ${id} AND (t.id = r.task_id OR t.parent = r.task_id) ORDER BY t.id`);
    expect(tasks.trim().split("\n")).toEqual(["newRepo 2", "createrepo 2"]);
  });

  it("an RPM built here, imported and tagged into mxos-10, is in the build tag's next repo beside the mirror's packages", { timeout: 400_000 }, async () => {
    const built = await rpmbuild(join(farm.dir, "rpmbuild-mxos-release"), "mxos-release", noarchSpec("mxos-release", "10.0", "1.mx10", "MxOS 10 release files (the lane's)"));
    const onHub = [built.srpm, built.rpm].map((f) => `/root/${basename(f)}`);
    for (const [i, f] of [built.srpm, built.rpm].entries()) await copyFile(f, hub.path(onHub[i]!));
    await koji(hub, "import", ...onHub);
    const before = await readyRepo(BUILD_TAG);
    const tagging = koji(hub, "tag-build", "mxos-10", "mxos-release-10.0-1.mx10");
    let done = false;
    void tagging.finally(() => (done = true)).catch(() => undefined);
    while (!done) {
      await schedule();
      await Promise.race([tagging.catch(() => undefined), new Promise((r) => setTimeout(r, 2_000))]);
    }
    await tagging;
    expect(await out("list-tagged", "mxos-10", "--quiet")).toContain("mxos-release-10.0-1.mx10");
    // A build would ask for a repo newer than the tagging: regen-repo makes that request.
    await koji(hub, "regen-repo", "--nowait", BUILD_TAG);
    const id = await nextRepo(BUILD_TAG, before || "0");
    const pkgs = await repoPackages(nfs, BUILD_TAG, id);
    expect(pkgs).toEqual(expect.arrayContaining(["mxos-release", ...Object.values(MIRROR_REPOS)]));
    // The package itself lies in the tree where Koji keeps builds.
    expect(await readdir(nfs.path(`${PATHS.packagedTopdir}/packages/mxos-release/10.0/1.mx10/noarch`))).toContain(basename(built.rpm));
  });
});
