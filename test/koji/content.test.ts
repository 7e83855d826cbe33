// Issue 20 on the real Koji: the example's content (gitops/fleet.yaml's koji.content, MxOS 10 on
// CentOS Stream 10) reaches the hub from the git push alone, with no Koji command typed; the
// build tag's repo is made by kojid (newRepo, createrepo) because the example asks for it
// (repo.auto) and merges the external repos, here the lane's stand-in mirror (mirror.ts); an RPM
// built here with rpmbuild, imported and tagged into mxos-10, is in the build tag's next repo.
// Between them: a converged farm costs reads only, a hand edit is found as drift and repaired,
// and the hub's own export, pushed back to git as the content, converges with no call.
import { copyFile, readFile, readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { describe, expect, inject, it } from "vitest";
import { PATHS } from "../../controller/compile/farm.js";
import { HUB } from "../support/compiled-fleet.js";
import { waitFor } from "../support/wait.js";
import { attachFarm, type FarmHost } from "./farm.js";
import { koji, sql } from "./lane.js";
import { parseDocument } from "yaml";
import type { Koji, EventList } from "../../shared/api/fleet.js";
import { laneMirror, MIRROR_HOST, MIRROR_REPOS, noarchSpec, rpmbuild } from "./mirror.js";

const farm = attachFarm(inject("farm"));
const CLI = fileURLToPath(new URL("../../bin/koji-fleet.js", import.meta.url));
const hub = farm.host(HUB);
const nfs = farm.host("cs10-koji-02");
const BUILD_TAG = "mxos-10-build";

const out = async (...args: string[]) => (await koji(hub, ...args)).stdout;
const content = async () => {
  const c = (await farm.api<Koji>("GET", "/api/v1/koji")).body.content;
  if (!c) throw new Error("/api/v1/koji has no content: the controller converges no Koji objects");
  return c;
};
const events = async (type: string) => (await farm.api<EventList>("GET", `/api/v1/events?type=${type}&limit=500`)).body.events;
const head = async () => (await farm.remote.git("rev-parse", "HEAD")).trim();

/** Waits until a content pass that began after `since` ran at `revision` and left nothing to do. */
async function convergedAt(revision: string, since = ""): Promise<Awaited<ReturnType<typeof content>>> {
  return waitFor(async () => {
    const c = await content();
    if (c.lastRunAt === null || c.lastRunAt <= since || c.revision !== revision || c.convergedRevision !== revision) throw new Error(`content: last pass ${c.lastRunAt} at ${c.revision?.slice(0, 12)}, converged ${c.convergedRevision?.slice(0, 12)}; gate: ${c.gate.reason}`);
    if (c.pending.length > 0 || c.failures.length > 0) throw new Error(`content: pending ${c.pending.join("; ")}; failures ${JSON.stringify(c.failures)}`);
    return c;
  }, { timeoutMs: 90_000, intervalMs: 1_000, message: `Koji content converged at ${revision.slice(0, 12)}` });
}

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
      return true;
    }, { timeoutMs: 90_000, intervalMs: 2_000, message: "the example's content in the hub (controller log)" });

    const taginfo = await out("taginfo", BUILD_TAG);
    expect(taginfo).toMatch(/^Arches: x86_64$/m);
    expect(taginfo).toContain("rpm.macro.dist : '.mx10'");
    expect(taginfo).toContain("repo.auto : True");
    const inheritance = await out("list-tag-inheritance", BUILD_TAG);
    // One parent, no flag set ("...." : no maxdepth, intransitive, noconfig or pkg_filter).
    expect(inheritance).toMatch(/^\s*mxos-10-build \(\d+\)\n\.{4}\s+└─mxos-10 \(\d+\)\n$/);
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

  it("a converged farm: every declared object converged, the plan empty, later passes only read", { timeout: 120_000 }, async () => {
    const revision = await head();
    const first = await convergedAt(revision);
    expect(first.objects.filter((o) => o.declared !== undefined && o.state !== "converged")).toEqual([]);
    expect(first.unmanaged).toEqual([]);
    const made = (await events("koji-changed")).filter((e) => e.revision === revision);
    expect(made.map((e) => e.data?.method)).toEqual(expect.arrayContaining(["createTag", "createExternalRepo", "addExternalRepoToTag", "createBuildTarget", "groupListAdd", "packageListAdd", "grantPermission"]));
    // plan --live: the controller plans the revision's content against the live hub: nothing left.
    const live = await farm.api<{ koji?: { lines: string[]; error?: string } }>("POST", "/api/v1/plan", { revision });
    expect(live.status).toBe(200);
    expect(live.body.koji).toEqual({ lines: [] });
    const changes = (await events("koji-changed")).length;
    const later = await convergedAt(revision, first.lastRunAt ?? "");
    expect(later.applied).toEqual([]);
    expect((await events("koji-changed")).length).toBe(changes);
  });

  it("a hand edit (koji edit-tag --arches) is drift: found by the periodic pass, told in a koji-drift event, changed back", { timeout: 120_000 }, async () => {
    const revision = await head();
    const before = (await events("koji-drift")).length;
    await koji(hub, "edit-tag", BUILD_TAG, "--arches", "x86_64 aarch64");
    expect(await out("taginfo", BUILD_TAG)).toMatch(/^Arches: x86_64 aarch64$/m);
    await waitFor(async () => {
      if (!/^Arches: x86_64$/m.test(await out("taginfo", BUILD_TAG))) throw new Error("arches not changed back yet");
      return true;
    }, { timeoutMs: 60_000, intervalMs: 1_000, message: `${BUILD_TAG}'s arches changed back by the controller` });
    const drift = (await events("koji-drift")).slice(before);
    expect(drift).toHaveLength(1);
    expect(drift[0]!.revision).toBe(revision);
    expect(drift[0]!.data?.lines).toEqual([`~ tag ${BUILD_TAG}: arches x86_64 aarch64 → x86_64`]);
    expect((await events("koji-changed")).at(-1)?.data?.method).toBe("editTag2");
  });

  it("adopting a hub: koji-fleet koji export of the real hub, pushed to git as the content, converges with no call", { timeout: 180_000 }, async () => {
    const exported = join(farm.dir, "export.yaml");
    // On the hub host, with the profile its agent rendered (root's: the admin's certificate); every read anonymous.
    await hub.ns.exec([process.execPath, CLI, "koji", "export", "--profile", "mx-os-koji", "-o", exported], { env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin", HOME: "/root", LANG: "C.UTF-8" } });
    const text = await readFile(exported, "utf8");
    expect(text).toMatch(/mxos-10-build:/);
    const fleet = parseDocument(await readFile(`${farm.remote.workDir}/fleet.yaml`, "utf8"));
    fleet.setIn(["koji", "content"], fleet.createNode({ include: ["koji/hub.yaml"] }));
    const changedBefore = (await events("koji-changed")).length;
    const since = (await content()).lastRunAt ?? "";
    const sha = await farm.push("Koji content: adopted from the hub (koji-fleet koji export)", { "fleet.yaml": fleet.toString(), "koji/hub.yaml": text });
    const c = await convergedAt(sha, since);
    expect(c.applied).toEqual([]);
    expect(c.unmanaged).toEqual([]);
    expect((await events("koji-changed")).length).toBe(changedBefore);
    await farm.waitReady(sha, 120_000);
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
    // tag-build is a task a builder's kojid runs (tagBuild); Koji's scheduler hands it out.
    const task = /Created task:? (\d+)/.exec(await out("tag-build", "--nowait", "mxos-10", "mxos-release-10.0-1.mx10"))?.[1];
    expect(task).toMatch(/^\d+$/);
    const state = await waitFor(async () => {
      await schedule();
      const info = await out("taskinfo", task!);
      return /^State: (closed|failed|canceled)$/m.exec(info)?.[1] ? info : null;
    }, { timeoutMs: 120_000, intervalMs: 2_000, message: `tagBuild task ${task} done` });
    expect(state, state).toMatch(/^State: closed$/m);
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
