import * as fs from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RecordingExecutor, type ExecRequest } from "../providers/executor.js";
import { exportLinesFor, type TableEntry } from "../providers/nfs-exports.js";
import { exportsFile, nfsExportKind, type NfsExportProps } from "./nfs-export.js";
import { loadOutput } from "./testdata/load-output.js";
import { cycle, expectNoopMatchesApply, kindContext, tempRoot } from "../../test/support/kinds.js";

const LIST = ["/usr/sbin/exportfs", "-v"];
const RELOAD = { argv: ["/usr/sbin/exportfs", "-ra"] };
const table = (file: string) => ({ argv: LIST, result: loadOutput("exportfs", file) });
const KOJI: NfsExportProps = {
  path: "/mnt/koji",
  file: "koji",
  clients: [
    // cs10-koji-00 (hub + kojira): rw, root not squashed; cs10-koji-03 and future builders: ro.
    { host: "192.168.122.10", options: ["rw", "sync", "no_root_squash"] },
    { host: "192.168.122.13", options: ["ro", "sync"] },
    { host: "192.168.122.128/25", options: ["ro", "sync"] },
  ],
};
const HEADER = "# Managed by koji-fleet (nfs-export): one line per exported path; other lines are kept.\n";
const LINE = "/mnt/koji 192.168.122.10(rw,sync,no_root_squash) 192.168.122.13(ro,sync) 192.168.122.128/25(ro,sync)\n";

let root: string;
beforeEach(() => {
  root = tempRoot();
  fs.mkdirSync(join(root, "etc/exports.d"), { recursive: true });
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
const file = (name = "koji") => join(root, `etc/exports.d/${name}.exports`);
const ctxWith = (exec: RecordingExecutor) => kindContext(root, { exec, sandbox: false });

async function observeAndApply(props: NfsExportProps, exec: RecordingExecutor): Promise<string[]> {
  const ctx = ctxWith(exec);
  const observed = await nfsExportKind.observe(props, ctx);
  const lines = nfsExportKind.diff(props, observed);
  await nfsExportKind.apply(props, observed, ctx);
  expect(exec.pending).toEqual([]);
  return lines;
}

describe("nfs-export (replayed exportfs -v output, real exports.d under a temp root)", () => {
  it("nothing exported → file written with header and line, exportfs -ra", async () => {
    const lines = await observeAndApply(KOJI, new RecordingExecutor([table("empty.txt"), RELOAD]));
    expect(lines[0]).toBe(`/etc/exports.d/koji.exports: add "${LINE.trimEnd()}"`);
    expect(lines.slice(1)).toEqual(["192.168.122.10", "192.168.122.13", "192.168.122.128/25"].map((h) => `export table: /mnt/koji not exported to ${h}`));
    expect(fs.readFileSync(file(), "utf8")).toBe(HEADER + LINE);
    expect(fs.statSync(file()).mode & 0o777).toBe(0o644);
  });

  it("file right and table matching → nothing", async () => {
    fs.writeFileSync(file(), HEADER + LINE);
    const exec = new RecordingExecutor([table("koji.txt")]);
    expect(nfsExportKind.diff(KOJI, await nfsExportKind.observe(KOJI, ctxWith(exec)))).toEqual([]);
  });

  it("export file right but kernel table stale → exportfs -ra only (file untouched)", async () => {
    fs.writeFileSync(file(), HEADER + LINE);
    const before = fs.statSync(file()).mtimeMs;
    const lines = await observeAndApply(KOJI, new RecordingExecutor([table("koji-stale.txt"), RELOAD]));
    expect(lines).toEqual(["export table: /mnt/koji to 192.168.122.10 lacks no_root_squash", "export table: /mnt/koji still exported to 192.168.122.99"]);
    expect(fs.statSync(file()).mtimeMs).toBe(before);
  });

  it("client options changed in the catalog → line replaced, other lines kept, exportfs -ra", async () => {
    fs.writeFileSync(file(), `# ours\n/srv/lookaside *(ro)\n${LINE}`);
    const props: NfsExportProps = { ...KOJI, clients: KOJI.clients.map((c) => (c.host.endsWith("/25") ? { ...c, options: ["ro", "sync", "all_squash"] } : c)) };
    const lines = await observeAndApply(props, new RecordingExecutor([table("koji.txt"), RELOAD]));
    expect(lines).toEqual([
      `/etc/exports.d/koji.exports: "${LINE.trimEnd()}" → "${LINE.trimEnd().replace("/25(ro,sync)", "/25(ro,sync,all_squash)")}"`,
      "export table: /mnt/koji to 192.168.122.128/25 lacks all_squash",
    ]);
    expect(fs.readFileSync(file(), "utf8")).toBe(`# ours\n/srv/lookaside *(ro)\n${LINE.replace("/25(ro,sync)", "/25(ro,sync,all_squash)")}`);
  });

  it("ensure absent → line removed, exportfs -ra unexports", async () => {
    fs.writeFileSync(file(), HEADER + LINE);
    const lines = await observeAndApply({ ...KOJI, ensure: "absent" }, new RecordingExecutor([table("koji.txt"), RELOAD]));
    expect(lines[0]).toBe(`/etc/exports.d/koji.exports: remove "${LINE.trimEnd()}"`);
    expect(fs.readFileSync(file(), "utf8")).toBe(HEADER);
  });

  it("no /etc/exports.d (nfs-utils missing) → clear error, nothing written", async () => {
    fs.rmSync(join(root, "etc/exports.d"), { recursive: true });
    await expect(cycle(nfsExportKind, KOJI, ctxWith(new RecordingExecutor([table("empty.txt")])))).rejects.toThrow("/etc/exports.d does not exist (is nfs-utils installed?)");
  });

  it("file name defaults from the path", () => {
    expect(exportsFile({ path: "/mnt/koji", clients: KOJI.clients })).toBe("/etc/exports.d/mnt-koji.exports");
  });
});

/** An etab that `exportfs -ra` rebuilds from the exports.d files under the root, printed like exportfs -v. */
function fakeNfsd(root: string, rows: TableEntry[] = []) {
  const full = (opts: string[]) => {
    const has = (o: string) => opts.includes(o);
    return ["sync", "wdelay", "hide", "no_subtree_check", "sec=sys", has("rw") ? "rw" : "ro", "secure", has("no_root_squash") ? "no_root_squash" : "root_squash", has("all_squash") ? "all_squash" : "no_all_squash"];
  };
  return new RecordingExecutor((req: ExecRequest) => {
    if (req.argv[1] === "-v") return { stdout: rows.map((r) => `${r.path.padEnd(14)}\t${r.host}(${r.options.join(",")})\n`).join("") };
    if (req.argv[1] === "-ra") {
      const dir = join(root, "etc/exports.d");
      rows.length = 0;
      for (const f of fs.readdirSync(dir).filter((n) => n.endsWith(".exports"))) {
        const text = fs.readFileSync(join(dir, f), "utf8");
        for (const path of new Set(text.split("\n").map((l) => l.split(/\s+/)[0]!).filter((p) => p.startsWith("/")))) {
          for (const c of exportLinesFor(text, path)[0]!.clients) rows.push({ path, host: c.host, options: full(c.options) });
        }
      }
      return {};
    }
    return undefined;
  });
}

describe("nfs-export noop = apply (fake etab rebuilt from the real file)", () => {
  it("fresh server → file and table", async () => {
    expect(await expectNoopMatchesApply(nfsExportKind, KOJI, ctxWith(fakeNfsd(root)))).toHaveLength(4);
  });

  it("right file, kojira's host squashed again by a hand-run exportfs -o → exportfs -ra heals it", async () => {
    fs.writeFileSync(file(), HEADER + LINE);
    const full = (rw: string, squash: string) => ["sync", "wdelay", "hide", "no_subtree_check", "sec=sys", rw, "secure", squash, "no_all_squash"];
    const exec = fakeNfsd(root, [
      { path: "/mnt/koji", host: "192.168.122.10", options: full("rw", "root_squash") },
      { path: "/mnt/koji", host: "192.168.122.13", options: full("ro", "root_squash") },
      { path: "/mnt/koji", host: "192.168.122.128/25", options: full("ro", "root_squash") },
    ]);
    expect(await expectNoopMatchesApply(nfsExportKind, KOJI, ctxWith(exec))).toEqual(["export table: /mnt/koji to 192.168.122.10 lacks no_root_squash"]);
    expect(exec.calls.filter((c) => c.argv[1] === "-ra")).toHaveLength(1);
  });
});
