import { describe, expect, it } from "vitest";
import { compileFleet } from "./compile.js";
import { diffCatalogs, diffResource, lineDiff } from "./catalog-diff.js";
import { BUILDER, NFS, reference, withDns } from "../../test/support/compiled-fleet.js";

describe("diffCatalogs", () => {
  it("the same fleet: every host unchanged, nothing listed", () => {
    const d = diffCatalogs(compileFleet(reference()), compileFleet(reference()));
    expect(d.map((h) => `${h.host} ${h.status}`)).toEqual(["cs10-koji-00 unchanged", "cs10-koji-01 unchanged", "cs10-koji-02 unchanged", "cs10-koji-03 unchanged", "cs10-koji-04 unchanged"]);
    expect(d.flatMap((h) => [...h.added, ...h.removed, ...h.changed])).toEqual([]);
  });

  it("a new builder (names from DNS): the host added, the export's clients changed, nothing else", () => {
    const after = withDns();
    after.hosts.push({ name: "cs10-koji-05", address: "192.168.122.15", roles: ["builder"] });
    const d = diffCatalogs(compileFleet(withDns()), compileFleet(after));
    expect(d.filter((h) => h.status !== "unchanged").map((h) => `${h.host} ${h.status}`)).toEqual([`${NFS} changed`, "cs10-koji-05 added"]);
    const nfs = d.find((h) => h.host === NFS)!;
    expect(nfs.changed.map((c) => [c.id, c.props.map((p) => p.key)])).toEqual([["nfs-export:/mnt/koji", ["clients"]]]);
    expect(nfs.added).toEqual([]);
    const added = d.find((h) => h.host === "cs10-koji-05")!;
    expect(added.roles).toEqual({ before: null, after: ["builder"] });
    expect(added.added.map((r) => r.id)).toContain("service:kojid.service");
  });

  it("a removed host and a role moved: removed resources and changed roles are listed", () => {
    const after = reference();
    after.hosts = after.hosts.filter((h) => h.name !== "cs10-koji-04");
    after.hosts[0]!.roles = ["hub", "web", "kojira", "lookaside"];
    const d = diffCatalogs(compileFleet(reference()), compileFleet(after));
    expect(d.find((h) => h.host === "cs10-koji-04")!.status).toBe("removed");
    const hub = d.find((h) => h.host === "cs10-koji-00")!;
    expect(hub.roles).toEqual({ before: ["hub", "web", "kojira"], after: ["hub", "web", "kojira", "lookaside"] });
    expect(hub.added.map((r) => r.id)).toContain("certificate:lookaside");
    expect(hub.probes.added).toContain("path:/srv/cache/lookaside/pkgs");
    expect(hub.changed.find((c) => c.id === "service:httpd.service")!.requires!.added).toContain("file:/etc/httpd/conf.d/lookaside.conf");
  });

  it("diffResource names the changed props with both values, edges and timeout", () => {
    const a = { id: "file:/x", kind: "file", props: { path: "/x", content: "a\n", mode: "0644" }, requires: ["r1"], notifies: [] };
    const b = { ...a, props: { path: "/x", content: "b\n", owner: "root", mode: "0644" }, requires: ["r2"], timeoutSeconds: 5 };
    expect(diffResource(a, b)).toEqual({
      id: "file:/x", kind: "file",
      props: [{ key: "content", before: "a\n", after: "b\n" }, { key: "owner", before: undefined, after: "root" }],
      requires: { added: ["r2"], removed: ["r1"] },
      timeoutSeconds: { before: undefined, after: 5 },
    });
    expect(diffResource(a, { ...a, props: { mode: "0644", content: "a\n", path: "/x" } })).toBeNull();
  });
});

describe("lineDiff", () => {
  it("keeps common lines and marks the rest", () => {
    expect(lineDiff("a\nb\nc", "a\nB\nc\nd")).toEqual(["  a", "- b", "+ B", "  c", "+ d"]);
  });

  it("a changed kojid.conf shows the one line", () => {
    const after = reference();
    after.hosts[3]!.settings = { capacity: 4, maxjobs: 6 };
    const d = diffCatalogs(compileFleet(reference()), compileFleet(after)).find((h) => h.host === BUILDER)!;
    const p = d.changed[0]!.props[0]!;
    expect(lineDiff(String(p.before), String(p.after)).filter((l) => !l.startsWith("  "))).toEqual(["- maxjobs = 10", "+ maxjobs = 6"]);
  });
});
