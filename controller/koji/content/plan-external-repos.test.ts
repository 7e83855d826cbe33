import { describe, expect, it } from "vitest";
import type { KojiContent } from "../../config/koji-content-schema.js";
import { ContentHub, convergedHub, step } from "../../../test/support/koji-content-hub.js";

type TagRepos = NonNullable<NonNullable<KojiContent["tags"]>[string]["external_repos"]>;
const REPOS: KojiContent["external_repos"] = {
  baseos: { url: "https://mirror.stream.centos.org/10-stream/BaseOS/$arch/os/" },
  appstream: { url: "https://mirror.stream.centos.org/10-stream/AppStream/$arch/os" },
  crb: { url: "https://mirror.stream.centos.org/10-stream/CRB/$arch/os/" },
};
const farm = (links: TagRepos, repos = REPOS): KojiContent => ({ external_repos: repos, tags: { build: { arches: ["x86_64"], external_repos: links } } });
const TWO: TagRepos = [
  { repo: "baseos", priority: 10 },
  { repo: "appstream", priority: 20, merge_mode: "bare" },
];
const calls = (s: ReturnType<typeof step>) => s.plan.calls.map((c) => [c.method, c.args, c.kwargs]);

describe("external repos", () => {
  it("new repos, then the tag that uses them: Koji's trailing / added; addExternalRepoToTag(tag, repo, priority, merge_mode=)", () => {
    const s = step(new ContentHub(), farm(TWO));
    expect(calls(s)).toEqual([
      ["createExternalRepo", ["appstream", "https://mirror.stream.centos.org/10-stream/AppStream/$arch/os/"], {}],
      ["createExternalRepo", ["baseos", "https://mirror.stream.centos.org/10-stream/BaseOS/$arch/os/"], {}],
      ["createExternalRepo", ["crb", "https://mirror.stream.centos.org/10-stream/CRB/$arch/os/"], {}],
      ["createTag", ["build"], { arches: "x86_64" }],
      ["addExternalRepoToTag", ["build", "baseos", 10], { merge_mode: "koji" }],
      ["addExternalRepoToTag", ["build", "appstream", 20], { merge_mode: "bare" }],
    ]);
    expect(s.lines.slice(-2)).toEqual(["+ tag build external-repo baseos priority=10 merge_mode=koji", "+ tag build external-repo appstream priority=20 merge_mode=bare"]);
    expect(s.again.calls).toEqual([]);
  });

  it("a changed URL: editExternalRepo(name, url=)", () => {
    const { hub, owned } = convergedHub(farm(TWO));
    const s = step(hub, farm(TWO, { ...REPOS, crb: { url: "https://example.org/crb/$arch/" } }), owned);
    expect(calls(s)).toEqual([["editExternalRepo", ["crb"], { url: "https://example.org/crb/$arch/" }]]);
    expect(s.lines).toEqual(["~ external-repo crb: url https://mirror.stream.centos.org/10-stream/CRB/$arch/os/ → https://example.org/crb/$arch/"]);
  });

  it("a repo dropped from git is deleted after its tags stop using it; an unmanaged one is reported", () => {
    const { hub, owned } = convergedHub(farm(TWO));
    hub.call_createExternalRepo(["epel", "https://example.org/epel/"]);
    const { crb: _crb, ...noCrb } = REPOS!;
    const s = step(hub, farm(TWO, noCrb), owned);
    expect(s.lines).toEqual(["- external-repo crb (no longer declared)", "? external-repo epel"]);
    expect(s.again.calls).toEqual([]);
  });

  it("a repo added to a tag, one removed (state: absent), one dropped", () => {
    const { hub, owned } = convergedHub(farm(TWO));
    const s = step(hub, farm([{ repo: "baseos", state: "absent" }, { repo: "crb", priority: 30 }]), owned);
    expect(s.lines).toEqual(["- tag build external-repo baseos", "- tag build external-repo appstream (no longer declared)", "+ tag build external-repo crb priority=30 merge_mode=koji"]);
    expect(s.again.calls).toEqual([]);
  });

  it("priority and merge mode changes: one editTagExternalRepo with only what differs", () => {
    const { hub, owned } = convergedHub(farm(TWO));
    const s = step(hub, farm([{ repo: "baseos", priority: 15, merge_mode: "simple" }, TWO[1]!]), owned);
    expect(calls(s)).toEqual([["editTagExternalRepo", ["build", "baseos"], { priority: 15, merge_mode: "simple" }]]);
    expect(s.lines).toEqual(["~ tag build external-repo baseos: priority 10 → 15, merge_mode koji → simple"]);
    expect(s.again.calls).toEqual([]);
  });

  it("a priority swap: one repo leaves, the other moves, the first comes back (Koji refuses a taken priority)", () => {
    const { hub, owned } = convergedHub(farm(TWO));
    const s = step(hub, farm([{ repo: "baseos", priority: 20 }, { repo: "appstream", priority: 10, merge_mode: "bare" }]), owned);
    expect(calls(s)).toEqual([
      ["removeExternalRepoFromTag", ["build", "baseos"], {}],
      ["editTagExternalRepo", ["build", "appstream"], { priority: 10 }],
      ["addExternalRepoToTag", ["build", "baseos", 20], { merge_mode: "koji" }],
    ]);
    expect(s.lines).toEqual(["~ tag build external-repo baseos: priority 10 → 20", "~ tag build external-repo appstream: priority 20 → 10"]);
    expect(s.again.calls).toEqual([]);
  });

  it("a chain of moves is ordered so each new priority is free", () => {
    const three: TagRepos = [...TWO, { repo: "crb", priority: 30 }];
    const { hub, owned } = convergedHub(farm(three));
    const s = step(hub, farm([{ repo: "baseos", priority: 20 }, { repo: "appstream", priority: 30, merge_mode: "bare" }, { repo: "crb", priority: 40 }]), owned);
    expect(calls(s).map(([m, a]) => `${String(m)} ${String((a as string[])[1])}`)).toEqual(["editTagExternalRepo crb", "editTagExternalRepo appstream", "editTagExternalRepo baseos"]);
    expect(s.again.calls).toEqual([]);
  });

  it("arches: set by editing, cleared by removing and adding back (editTagExternalRepo's None means no change)", () => {
    const { hub, owned } = convergedHub(farm(TWO));
    const set = step(hub, farm([{ repo: "baseos", priority: 10, arches: ["x86_64"] }, TWO[1]!]), owned);
    expect(calls(set)).toEqual([["editTagExternalRepo", ["build", "baseos"], { arches: "x86_64" }]]);
    const cleared = step(hub, farm(TWO), set.owned);
    expect(calls(cleared)).toEqual([
      ["removeExternalRepoFromTag", ["build", "baseos"], {}],
      ["addExternalRepoToTag", ["build", "baseos", 10], { merge_mode: "koji" }],
    ]);
    expect(cleared.lines).toEqual(["~ tag build external-repo baseos: arches x86_64 → (none)"]);
    expect(cleared.again.calls).toEqual([]);
  });

  it("a repo added to the tag by hand is reported; a declared one at its priority is a conflict", () => {
    const { hub, owned } = convergedHub(farm([TWO[0]!]));
    hub.call_addExternalRepoToTag(["build", "crb", 20], {});
    const s = step(hub, farm(TWO), owned);
    expect(s.lines).toEqual(["! tag build external-repo appstream: priority 20 is held by unmanaged external repo crb", "? tag build external-repo crb priority=20"]);
    expect(s.plan.calls).toEqual([]);
  });
});
