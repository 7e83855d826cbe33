import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PathWatch, writtenPaths } from "./path-watch.js";
import type { ResourceResult } from "../../shared/protocol.js";

/** Longer than the watch's 500 ms debounce. */
const SETTLE_MS = 800;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dir: string;
let watch: PathWatch;
let reported: string[];
beforeEach(() => {
  dir = fs.mkdtempSync(join(tmpdir(), "kf-watch-"));
  reported = [];
  watch = new PathWatch((path) => reported.push(path));
});
afterEach(() => {
  watch.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const result = (id: string, outcome: ResourceResult["outcome"]): ResourceResult => ({ id, kind: "file", outcome, changes: [], durationMs: 1 });

describe("writtenPaths", () => {
  it("the paths of changed and pruned resources, from this converge's inventory or the one before, under the root", () => {
    const results = [result("a", "changed"), result("b", "unchanged"), result("c", "pruned"), result("d", "changed")];
    const now = [{ id: "a", kind: "file", path: "/etc/a.conf", created: false }, { id: "b", kind: "file", path: "/etc/b.conf", created: false }, { id: "d", kind: "file", path: "/etc/../d", created: false }];
    const before = [{ id: "c", kind: "file", path: "/etc/c.conf", created: true }];
    expect([...writtenPaths("/r", results, [now, before])].sort()).toEqual(["/r/etc/a.conf", "/r/etc/c.conf"]);
  });
});

describe("PathWatch", () => {
  it("a managed file changed by someone → reported once, after the debounce; an unmanaged sibling → nothing", async () => {
    const conf = join(dir, "kojid.conf");
    fs.writeFileSync(conf, "a");
    watch.arm([conf]);
    fs.writeFileSync(join(dir, ".kojid.conf.kf-tmp-1-00"), "temp");
    await sleep(SETTLE_MS);
    expect(reported).toEqual([]);
    fs.writeFileSync(conf, "b");
    fs.writeFileSync(conf, "c");
    await sleep(SETTLE_MS);
    expect(reported).toEqual([conf]);
  });

  it("held: the converge's own write is not reported, even when the converge outlasts the debounce", async () => {
    const conf = join(dir, "kojid.conf");
    fs.writeFileSync(conf, "a");
    watch.arm([conf]);
    watch.hold();
    fs.writeFileSync(conf, "written by the converge");
    await sleep(SETTLE_MS);
    watch.arm([conf], new Set([conf]));
    await sleep(SETTLE_MS);
    expect(reported).toEqual([]);
  });

  it("held: a change to a path the converge did not write is reported when it re-arms", async () => {
    const mine = join(dir, "kojid.conf");
    const theirs = join(dir, "koji.conf");
    for (const p of [mine, theirs]) fs.writeFileSync(p, "a");
    watch.arm([mine, theirs]);
    watch.hold();
    fs.writeFileSync(mine, "written by the converge");
    fs.writeFileSync(theirs, "edited by hand meanwhile");
    await sleep(SETTLE_MS);
    expect(reported).toEqual([]);
    watch.arm([mine, theirs], new Set([mine]));
    await sleep(SETTLE_MS);
    expect(reported).toEqual([theirs]);
  });

  it("hold() drops a report still in its debounce: the converge starting now observes that path anyway", async () => {
    const conf = join(dir, "kojid.conf");
    fs.writeFileSync(conf, "a");
    watch.arm([conf]);
    fs.writeFileSync(conf, "edited by hand");
    await sleep(100);
    watch.hold();
    watch.arm([conf], new Set());
    await sleep(SETTLE_MS);
    expect(reported).toEqual([]);
  });
});

describe("PathWatch re-armed", () => {
  it("a directory kept across re-arms still reports; one deleted and re-created meanwhile is watched anew", async () => {
    const kept = join(dir, "kept");
    const replaced = join(dir, "replaced");
    for (const d of [kept, replaced]) fs.mkdirSync(d);
    const paths = [join(kept, "a.conf"), join(replaced, "b.conf")];
    watch.arm(paths);
    watch.hold();
    fs.rmSync(replaced, { recursive: true });
    fs.mkdirSync(replaced); // a new inode: the old watcher sees nothing in it
    watch.arm(paths, new Set());
    await sleep(SETTLE_MS);
    reported.length = 0;
    fs.writeFileSync(paths[1]!, "someone");
    await sleep(SETTLE_MS);
    expect(reported).toEqual([paths[1]]);
    fs.writeFileSync(paths[0]!, "someone");
    await sleep(SETTLE_MS);
    expect(reported).toEqual([paths[1], paths[0]]);
  });

  it("a directory that left the managed set is no longer watched", async () => {
    const gone = join(dir, "gone");
    fs.mkdirSync(gone);
    watch.arm([join(gone, "x.conf")]);
    watch.arm([join(dir, "other.conf")]);
    fs.writeFileSync(join(gone, "x.conf"), "someone");
    await sleep(SETTLE_MS);
    expect(reported).toEqual([]);
  });
});
