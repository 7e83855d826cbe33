import * as fs from "node:fs";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultKinds } from "../kinds/index.js";
import type { AnyKind } from "../kinds/kind.js";
import { RecordingExecutor } from "../providers/executor.js";
import { converge } from "./converge.js";
import { lines, options, outcomes, res, tempRoot } from "../../test/support/engine.js";

let root: string;
beforeEach(() => {
  root = tempRoot();
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
const live = (p: string): string => join(root, p);

// A small koji-hub-like catalog; listed out of order on purpose.
const catalog = () => [
  res("hub-conf", "file", { path: "/etc/koji-hub/hub.conf", content: "[hub]\nDBName = koji\n", mode: "0640" }, { requires: ["hub-dir"] }),
  res("hub-dir", "directory", { path: "/etc/koji-hub" }),
  res("current", "symlink", { path: "/etc/koji-hub/current.conf", target: "hub.conf" }, { requires: ["hub-conf"] }),
];

describe("converge: idempotence and drift", () => {
  it("first run changes everything in dependency order, second run is all unchanged", async () => {
    const first = await converge(catalog(), options(root));
    expect(first.results.map((r) => [r.id, r.outcome])).toEqual([
      ["hub-dir", "changed"],
      ["hub-conf", "changed"],
      ["current", "changed"],
    ]);
    expect(first).toMatchObject({ changed: 3, failed: 0, noop: false });
    expect(first.inventory.every((e) => e.created)).toBe(true);

    const second = await converge(catalog(), options(root, { previousInventory: first.inventory }));
    expect(outcomes(second)).toEqual({ "hub-dir": "unchanged", "hub-conf": "unchanged", current: "unchanged" });
    expect(second.changed).toBe(0);
    expect(second.inventory).toEqual(first.inventory); // ownership carried over
  });

  it("converge → break (edit, chmod, delete the directory) → converge heals", async () => {
    const first = await converge(catalog(), options(root));
    fs.writeFileSync(live("/etc/koji-hub/hub.conf"), "tampered");
    fs.chmodSync(live("/etc/koji-hub"), 0o700);
    let healed = await converge(catalog(), options(root, { previousInventory: first.inventory }));
    expect(lines(healed)).toMatchObject({ "hub-dir": ["mode 0700 → 0755"], "hub-conf": [expect.stringMatching(/^content differs \(sha256 /)], current: [] });

    fs.rmSync(live("/etc/koji-hub"), { recursive: true });
    healed = await converge(catalog(), options(root, { previousInventory: healed.inventory }));
    expect(outcomes(healed)).toEqual({ "hub-dir": "changed", "hub-conf": "changed", current: "changed" });
    expect(fs.readFileSync(live("/etc/koji-hub/current.conf"), "utf8")).toBe("[hub]\nDBName = koji\n");
    expect(fs.statSync(live("/etc/koji-hub/hub.conf")).mode & 0o777).toBe(0o640);
  });

  it("noop reports exactly the change lines the real run then makes, and touches nothing", async () => {
    await converge(catalog(), options(root));
    fs.writeFileSync(live("/etc/koji-hub/hub.conf"), "tampered");
    fs.chmodSync(live("/etc/koji-hub/hub.conf"), 0o666);
    fs.unlinkSync(live("/etc/koji-hub/current.conf"));

    const plan = await converge(catalog(), options(root, { noop: true }));
    expect(outcomes(plan)).toEqual({ "hub-dir": "unchanged", "hub-conf": "would-change", current: "would-change" });
    expect(plan).toMatchObject({ noop: true, changed: 0 });
    expect(fs.readFileSync(live("/etc/koji-hub/hub.conf"), "utf8")).toBe("tampered");

    const real = await converge(catalog(), options(root));
    expect(outcomes(real)).toEqual({ "hub-dir": "unchanged", "hub-conf": "changed", current: "changed" });
    expect(lines(real)).toEqual(lines(plan));
  });
});

describe("converge: failures stay with their resource", () => {
  it("failed dependency skips its dependents; independent resources still converge", async () => {
    fs.mkdirSync(live("/etc/blocked.conf"), { recursive: true }); // a directory where a file must go
    const report = await converge(
      [
        res("blocked", "file", { path: "/etc/blocked.conf", content: "x" }),
        res("needs-blocked", "file", { path: "/etc/a.conf", content: "a" }, { requires: ["blocked"] }),
        res("needs-skipped", "file", { path: "/etc/b.conf", content: "b" }, { requires: ["needs-blocked"] }),
        res("independent", "file", { path: "/etc/c.conf", content: "c" }),
        res("pkg", "flatpak", { name: "koji" }),
        res("bad-mode", "file", { path: "/etc/d.conf", content: "d", mode: "rw-r--r--", colour: "red" }),
      ],
      options(root),
    );
    expect(lines(report)).toEqual({
      blocked: ["! /etc/blocked.conf is a directory; refusing to replace it with a file"],
      "needs-blocked": ["! dependency blocked failed"],
      "needs-skipped": ["! dependency needs-blocked was skipped"],
      independent: ["absent → present"],
      pkg: ["! unsupported resource kind 'flatpak'"],
      "bad-mode": ["! invalid props: / must NOT have additional properties ('colour'); /mode must match pattern \"^0?[0-7]{3,4}$\""],
    });
    expect(outcomes(report)).toMatchObject({ blocked: "failed", "needs-blocked": "skipped", independent: "changed" });
    expect(report).toMatchObject({ changed: 1, failed: 3 });
    expect(fs.existsSync(live("/etc/a.conf"))).toBe(false);
  });

  it("dependency cycle → every resource failed with the cycle, nothing applied", async () => {
    const report = await converge(
      [res("a", "file", { path: "/a", content: "" }, { requires: ["b"] }), res("b", "file", { path: "/b", content: "" }, { requires: ["a"] })],
      options(root, { previousInventory: [{ id: "old", kind: "file", path: "/old", created: true }] }),
    );
    expect(lines(report)).toEqual({ a: ["! dependency cycle: a → b → a"], b: ["! dependency cycle: a → b → a"] });
    expect(fs.readdirSync(root)).toEqual([]);
    expect(report.inventory).toEqual([{ id: "old", kind: "file", path: "/old", created: true }]);
  });

  const never = new Promise<never>(() => undefined);
  const testKind = (name: string, over: Partial<AnyKind>): AnyKind => ({ name, schema: Type.Object({}), appliesInSandbox: true, observe: async () => ({}), diff: () => [], apply: async () => undefined, ...over });
  const kinds = new Map([
    ...defaultKinds,
    ["hang", testKind("hang", { observe: () => never })],
    ["boom", testKind("boom", { observe: async () => Promise.reject(new Error("rpmdb is locked")) })],
    ["stubborn", testKind("stubborn", { diff: () => ["port 80 → 8080"] })],
  ]);

  it("observe hangs → failed at the resource timeout; observe throws → failed with its message; apply without effect → still differs", async () => {
    const report = await converge(
      [res("hang", "hang", {}, { timeoutSeconds: 1 }), res("boom", "boom", {}), res("stubborn", "stubborn", {}), res("ok", "file", { path: "/ok", content: "" })],
      options(root, { kinds }),
    );
    expect(lines(report)).toEqual({
      hang: ["! timed out after 1 s"],
      boom: ["! rpmdb is locked"],
      stubborn: ["! still differs after apply: port 80 → 8080"],
      ok: ["absent → present"],
    });
    expect(report.results.find((r) => r.id === "hang")!.durationMs).toBeGreaterThanOrEqual(900);
  });

  it("slow exec → failed at the resource timeout (the signal kills the command)", async () => {
    const report = await converge([res("slow", "exec", { argv: ["/bin/sleep", "30"], creates: "/never" }, { timeoutSeconds: 1 })], options(root, { sandbox: false }));
    expect(lines(report)).toEqual({ slow: ["! timed out after 1 s"] });
  });

  it("shouldContinue false → the rest is skipped, nothing pruned", async () => {
    let budget = 1;
    const previousInventory = [{ id: "gone", kind: "file", path: "/gone", created: true }];
    fs.writeFileSync(live("/gone"), "");
    const report = await converge(
      [res("a", "file", { path: "/a", content: "" }), res("b", "file", { path: "/b", content: "" })],
      options(root, { previousInventory, shouldContinue: () => budget-- > 0 }),
    );
    expect(lines(report)).toEqual({ a: ["absent → present"], b: ["! converge stopped before this resource"] });
    expect(fs.existsSync(live("/gone"))).toBe(true);
    expect(report.inventory.map((e) => e.path)).toEqual(["/a", "/gone"]);
  });

  it("sandbox → files apply under the root, exec only reports and runs nothing", async () => {
    const exec = new RecordingExecutor([]);
    const report = await converge(
      [res("conf", "file", { path: "/x.conf", content: "x" }), res("init", "exec", { argv: ["/usr/sbin/koji-init"], creates: "/var/lib/koji/.init" }, { requires: ["conf"] })],
      options(root, { exec, sandbox: true }),
    );
    expect(outcomes(report)).toEqual({ conf: "changed", init: "would-change" });
    expect(lines(report).init).toEqual(["sandbox: not observed or applied here (run /usr/sbin/koji-init)"]);
    expect(exec.calls).toEqual([]);
  });
});
