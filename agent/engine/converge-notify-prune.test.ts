import * as fs from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RecordingExecutor, type ExpectedCall } from "../providers/executor.js";
import { RELOAD_PROPERTIES, showArgv, unitArgv, UNIT_PROPERTIES, type UnitVerb } from "../providers/systemd.js";
import { captured, filesInside } from "../kinds/testdata/systemd/testing.js";
import { converge, type InventoryEntry } from "./converge.js";
import { lines, options, outcomes, res, tempRoot } from "../../test/support/engine.js";
import { EL10 } from "../../test/support/kinds.js";

let root: string;
beforeEach(() => {
  root = tempRoot();
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
const live = (p: string): string => join(root, p);

describe("converge: notify → refresh", () => {
  // Outside sandbox so the exec really runs; every path is still under the temp root.
  const catalog = (content: string) => [
    res("conf", "file", { path: "/hub.conf", content }, { notifies: ["reload"] }),
    res("reload", "exec", { argv: ["/usr/bin/touch", live("/reloaded")], refreshOnly: true }),
  ];

  it("changed resource → its notify target is refreshed once; unchanged → not refreshed", async () => {
    const first = await converge(catalog("a"), options(root, { sandbox: false }));
    expect(lines(first)).toEqual({ conf: ["absent → present"], reload: [`ran /usr/bin/touch ${live("/reloaded")}`] });
    expect(outcomes(first)).toEqual({ conf: "changed", reload: "changed" });
    expect(fs.existsSync(live("/reloaded"))).toBe(true);

    fs.unlinkSync(live("/reloaded"));
    const second = await converge(catalog("a"), options(root, { sandbox: false }));
    expect(outcomes(second)).toEqual({ conf: "unchanged", reload: "unchanged" });
    expect(fs.existsSync(live("/reloaded"))).toBe(false);
  });

  it("noop → the target reports 'would refresh' and nothing runs", async () => {
    const exec = new RecordingExecutor([]);
    const plan = await converge(catalog("a"), options(root, { sandbox: false, noop: true, exec }));
    expect(lines(plan)).toEqual({ conf: ["absent → present"], reload: ["would refresh (notified by conf)"] });
    expect(outcomes(plan)).toEqual({ conf: "would-change", reload: "would-change" });
    expect(exec.calls).toEqual([]);
  });

  it("failed refresh → the target fails with the command's error", async () => {
    const report = await converge(
      [res("conf", "file", { path: "/hub.conf", content: "a" }, { notifies: ["reload"] }), res("reload", "exec", { argv: ["/bin/ls", "/no/such/dir"], refreshOnly: true })],
      options(root, { sandbox: false }),
    );
    expect(outcomes(report)).toEqual({ conf: "changed", reload: "failed" });
    expect(lines(report).reload![0]).toMatch(/^! \/bin\/ls \/no\/such\/dir exited with code 2/);
    expect(report.pendingRefresh).toEqual(["reload"]);
  });

  it("a refresh owed by an earlier converge (its command failed) → retried next time though nothing changed, then no longer owed", async () => {
    const marker = live("/restarted");
    const cat = [res("conf", "file", { path: "/hub.conf", content: "a" }, { notifies: ["restart"] }), res("restart", "exec", { argv: ["/usr/bin/touch", marker], refreshOnly: true })];
    fs.writeFileSync(live("/hub.conf"), "a");
    const report = await converge(cat, options(root, { sandbox: false, pendingRefresh: ["restart", "no-longer-in-catalog"] }));
    expect(outcomes(report)).toEqual({ conf: "unchanged", restart: "changed" });
    expect(lines(report).restart).toEqual([`ran /usr/bin/touch ${marker}`]);
    expect(report.pendingRefresh).toEqual([]);
    expect(fs.existsSync(marker)).toBe(true);
  });

  it("noop keeps owed refreshes owed and promises them", async () => {
    const cat = [res("restart", "exec", { argv: ["/usr/bin/touch", live("/x")], refreshOnly: true })];
    const plan = await converge(cat, options(root, { sandbox: false, noop: true, pendingRefresh: ["restart"] }));
    expect(lines(plan)).toEqual({ restart: ["would refresh (notified by an earlier converge)"] });
    expect(plan.pendingRefresh).toEqual(["restart"]);
  });

  it("notify to an exec that is not refreshOnly → noop promises nothing, and the real run does nothing", async () => {
    const cat = [
      res("conf", "file", { path: "/hub.conf", content: "a" }, { notifies: ["init"] }),
      res("init", "exec", { argv: ["/usr/bin/touch", live("/init")], creates: "/init" }),
    ];
    fs.writeFileSync(live("/init"), "");
    const plan = await converge(cat, options(root, { sandbox: false, noop: true }));
    expect(lines(plan)).toEqual({ conf: ["absent → present"], init: [] });
    const real = await converge(cat, options(root, { sandbox: false }));
    expect(outcomes(real)).toEqual({ conf: "changed", init: "unchanged" });
    expect(real.pendingRefresh).toEqual([]);
  });
});

describe("converge: a service started by this converge is not also refreshed for the same change", () => {
  // kojid: started, then reloaded (kill -USR1) for the config file written just before, while it
  // was still logging in: USR1's default action killed it. A unit started now reads that file.
  const UNIT = "kf-demo.service";
  const show = (state: string, properties: readonly string[] = UNIT_PROPERTIES): ExpectedCall => ({ argv: showArgv(UNIT, properties), result: captured(state) });
  const act = (verb: UnitVerb): ExpectedCall => ({ argv: unitArgv(verb, UNIT) });
  const catalog = [
    res("conf", "file", { path: "/kf-demo.conf", content: "maxjobs = 6\n" }, { notifies: ["service"] }),
    res("service", "service", { name: UNIT, enabled: true, state: "running", reload: true }, { requires: ["conf"] }),
  ];
  const live = { root: "/", sandbox: false, facts: EL10 } as const;

  it("stopped unit: the config is written, the unit started, and neither reloaded nor owed a refresh; noop promised the same", async () => {
    const planExec = new RecordingExecutor([show("show-enabled-inactive")]);
    const plan = await converge(catalog, options("/", { ...live, noop: true, files: filesInside(root), exec: planExec }));
    const exec = new RecordingExecutor([show("show-enabled-inactive"), act("start"), show("show-enabled-running"), show("show-enabled-running")]);
    const report = await converge(catalog, options("/", { ...live, files: filesInside(root), exec }));
    const started = ["start kf-demo.service", "not reloaded: started just now, with this configuration (notified by conf)"];
    expect(lines(plan).service).toEqual(started);
    expect(lines(report)).toEqual({ conf: ["absent → present"], service: started });
    expect(exec.calls.map((c) => c.argv[1])).not.toContain("reload");
    expect(exec.pending).toEqual([]);
    expect(report.pendingRefresh).toEqual([]);
  });

  it("running unit: the same change reloads it", async () => {
    const exec = new RecordingExecutor([show("show-enabled-running"), show("show-reload-graceful", RELOAD_PROPERTIES), act("reload"), show("show-enabled-running")]);
    const report = await converge(catalog, options("/", { ...live, files: filesInside(root), exec }));
    expect(lines(report).service).toEqual(["reloaded kf-demo.service"]);
    expect(exec.pending).toEqual([]);
  });
});

describe("converge: exec guards", () => {
  it("creates → runs once, then the guard holds; unless/onlyIf decide by exit code", async () => {
    const marker = live("/initialized");
    const catalog = [
      res("init", "exec", { argv: ["/usr/bin/touch", marker], creates: "/initialized" }),
      res("unless-ok", "exec", { argv: ["/bin/false"], unless: ["/bin/true"] }),
      res("onlyif-no", "exec", { argv: ["/bin/false"], onlyIf: ["/bin/false"] }),
    ];
    const first = await converge(catalog, options(root, { sandbox: false }));
    expect(outcomes(first)).toEqual({ init: "changed", "unless-ok": "unchanged", "onlyif-no": "unchanged" });
    const second = await converge(catalog, options(root, { sandbox: false }));
    expect(outcomes(second)).toEqual({ init: "unchanged", "unless-ok": "unchanged", "onlyif-no": "unchanged" });
  });

  it("command that does not do what its guard checks → still differs after apply", async () => {
    const report = await converge([res("liar", "exec", { argv: ["/bin/true"], creates: "/never" })], options(root, { sandbox: false }));
    expect(lines(report)).toEqual({ liar: ["! still differs after apply: run /bin/true (/never is absent)"] });
  });
});

describe("converge: inventory and prune", () => {
  it("path that left the catalog and that we created → pruned; one that existed before → kept", async () => {
    fs.writeFileSync(live("/preexisting.conf"), "theirs");
    const first = await converge(
      [
        res("dir", "directory", { path: "/conf.d" }),
        res("inner", "file", { path: "/conf.d/a.conf", content: "a" }, { requires: ["dir"] }),
        res("link", "symlink", { path: "/current", target: "conf.d" }),
        res("theirs", "file", { path: "/preexisting.conf", content: "ours now" }),
        res("stays", "file", { path: "/stays.conf", content: "s" }),
      ],
      options(root),
    );
    expect(first.inventory.map((e) => [e.id, e.created])).toEqual([
      ["dir", true],
      ["inner", true],
      ["link", true],
      ["theirs", false],
      ["stays", true],
    ]);

    const next = [res("stays", "file", { path: "/stays.conf", content: "s" })];
    const plan = await converge(next, options(root, { noop: true, previousInventory: first.inventory }));
    expect(lines(plan)).toEqual({ stays: [], inner: ["would remove /conf.d/a.conf"], dir: ["would remove /conf.d"], link: ["would remove /current"] });
    expect(plan.inventory).toHaveLength(4); // nothing removed, nothing forgotten

    const pruned = await converge(next, options(root, { previousInventory: first.inventory }));
    expect(pruned.results.map((r) => [r.id, r.outcome])).toEqual([
      ["stays", "unchanged"],
      ["inner", "pruned"], // deepest first, so the directory is empty on its turn
      ["dir", "pruned"],
      ["link", "pruned"],
    ]);
    expect(pruned.changed).toBe(3);
    expect(fs.readdirSync(root).sort()).toEqual(["preexisting.conf", "stays.conf"]);
    expect(pruned.inventory).toEqual([{ id: "stays", kind: "file", path: "/stays.conf", created: true }]);
  });

  it("created directory that someone filled → not pruned, kept in the inventory for next time", async () => {
    const previousInventory: InventoryEntry[] = [{ id: "spool", kind: "directory", path: "/spool", created: true }];
    fs.mkdirSync(live("/spool"));
    fs.writeFileSync(live("/spool/job"), "");
    const report = await converge([], options(root, { previousInventory }));
    expect(lines(report)).toEqual({ spool: ["! not pruned: /spool is not empty"] });
    expect(outcomes(report)).toEqual({ spool: "skipped" });
    expect(report.inventory).toEqual(previousInventory);
  });

  it("ensure absent on a path we created → removed and no longer owned", async () => {
    const first = await converge([res("f", "file", { path: "/f", content: "" })], options(root));
    const second = await converge([res("f", "file", { path: "/f", ensure: "absent" })], options(root, { previousInventory: first.inventory }));
    expect(outcomes(second)).toEqual({ f: "changed" });
    expect(second.inventory).toEqual([{ id: "f", kind: "file", path: "/f", created: false }]);
  });

  it("resource moved to a new path → the old path we created is pruned", async () => {
    const first = await converge([res("f", "file", { path: "/old", content: "" })], options(root));
    const second = await converge([res("f", "file", { path: "/new", content: "" })], options(root, { previousInventory: first.inventory }));
    expect(second.results.map((r) => [r.id, r.outcome, r.changes])).toEqual([
      ["f", "changed", ["absent → present"]],
      ["f", "pruned", ["removed /old"]],
    ]);
    expect(fs.readdirSync(root)).toEqual(["new"]);
  });
});
