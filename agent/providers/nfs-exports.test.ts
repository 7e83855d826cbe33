import { describe, expect, it } from "vitest";
import { loadOutput } from "../kinds/testdata/load-output.js";
import { editExports, exportLinesFor, lackingOptions, parseExportfsV, parseExportLine, renderExportLine, tableDifferences, type ExportLine } from "./nfs-exports.js";

const KOJI: ExportLine = {
  path: "/mnt/koji",
  clients: [
    { host: "192.168.122.10", options: ["rw", "sync", "no_root_squash"] },
    { host: "192.168.122.13", options: ["ro", "sync"] },
    { host: "192.168.122.128/25", options: ["ro", "sync"] },
  ],
};
const table = (file: string) => parseExportfsV(loadOutput("exportfs", file).stdout);

describe("exportfs -v parser", () => {
  it("three clients of one path → three rows with the full option list", () => {
    const rows = table("koji.txt");
    expect(rows.map((r) => r.host)).toEqual(["192.168.122.10", "192.168.122.13", "192.168.122.128/25"]);
    expect(rows[0]).toEqual({ path: "/mnt/koji", host: "192.168.122.10", options: ["sync", "wdelay", "hide", "no_subtree_check", "sec=sys", "rw", "secure", "no_root_squash", "no_all_squash"] });
  });
  it("path over 14 characters (client on the next line) and <world> → *", () => {
    expect(table("long-path-world.txt").map((r) => [r.path, r.host])).toEqual([["/srv/lookaside/pkgs", "*"], ["/mnt/koji", "192.168.122.10"]]);
  });
  it("nothing exported → no rows", () => {
    expect(table("empty.txt")).toEqual([]);
  });
});

describe("wanted options vs a table row", () => {
  const row = table("koji.txt")[1]!.options; // the builder: ro, root squashed, no_subtree_check
  it.each<[string[], string[]]>([
    [["ro", "sync"], []],
    [["ro", "sync", "no_root_squash"], ["no_root_squash"]],
    [["rw"], ["rw"]],
    [["no_subtree_check", "secure", "sec=sys"], []],
    [["subtree_check"], ["subtree_check"]],
    [["acl", "secure_locks"], []],
    [["insecure"], ["insecure"]],
  ])("%j → lacking %j", (wanted, lacking) => {
    expect(lackingOptions(wanted, row)).toEqual(lacking);
  });
});

describe("table vs wanted line", () => {
  it("table made from this line → no difference", () => {
    expect(tableDifferences("/mnt/koji", KOJI, table("koji.txt"))).toEqual([]);
  });
  it("hand-made changes → each named", () => {
    expect(tableDifferences("/mnt/koji", KOJI, table("koji-stale.txt"))).toEqual([
      "export table: /mnt/koji to 192.168.122.10 lacks no_root_squash",
      "export table: /mnt/koji still exported to 192.168.122.99",
    ]);
  });
  it("nothing exported → every client missing; want nothing → every row extra", () => {
    expect(tableDifferences("/mnt/koji", KOJI, [])).toHaveLength(3);
    expect(tableDifferences("/mnt/koji", null, table("koji.txt"))).toHaveLength(3);
    expect(tableDifferences("/srv/other", null, table("koji.txt"))).toEqual([]);
  });
});

describe("exports file text", () => {
  const LINE = "/mnt/koji 192.168.122.10(rw,sync,no_root_squash) 192.168.122.13(ro,sync) 192.168.122.128/25(ro,sync)";
  it("render → one line, clients in the given order", () => {
    expect(renderExportLine(KOJI)).toBe(LINE);
  });
  it("parse: default options, continuation lines, comments, escaped path", () => {
    expect(parseExportLine("/mnt/koji -sync 192.168.122.10(rw) *(ro) # builders")).toEqual({ path: "/mnt/koji", clients: [{ host: "192.168.122.10", options: ["sync", "rw"] }, { host: "*", options: ["sync", "ro"] }] });
    expect(exportLinesFor("/srv/a\\040b \\\n  host(ro)\n", "/srv/a b")).toEqual([{ path: "/srv/a b", clients: [{ host: "host", options: ["ro"] }] }]);
  });
  it("new file → header, then the line", () => {
    expect(editExports("", "/mnt/koji", KOJI, "# header")).toBe(`# header\n${LINE}\n`);
  });
  it("other paths (and their continuation lines) kept byte for byte; ours replaced in place", () => {
    const text = "# mine\n/srv/a \\\n\thost(ro)\n/mnt/koji 10.0.0.1(rw)\n/srv/b *(ro)\n";
    expect(editExports(text, "/mnt/koji", KOJI, "# header")).toBe(`# mine\n/srv/a \\\n\thost(ro)\n${LINE}\n/srv/b *(ro)\n`);
    expect(editExports(text, "/mnt/koji", null, "# header")).toBe("# mine\n/srv/a \\\n\thost(ro)\n/srv/b *(ro)\n");
  });
});
