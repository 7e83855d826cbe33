import * as fs from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RecordingExecutor, type ExecRequest } from "../providers/executor.js";
import { selinuxFcontextKind, type SelinuxFcontextProps } from "./selinux-fcontext.js";
import { loadOutput } from "./testdata/load-output.js";
import { cycle, expectNoopMatchesApply, kindContext, tempRoot } from "../../test/support/kinds.js";

const ENFORCING = { argv: ["/usr/sbin/getenforce"], result: loadOutput("getenforce", "enforcing.txt") };
const rules = (file: string) => ({ argv: ["/usr/sbin/semanage", "fcontext", "-l", "-C"], result: loadOutput("semanage", file) });
const dryRun = (file: string, r = ["-R"]) => ({ argv: ["/usr/sbin/restorecon", ...r, "-n", "-v", "/mnt/koji"], result: loadOutput("restorecon", file) });
const ADD = { argv: ["/usr/sbin/semanage", "fcontext", "-a", "-t", "public_content_rw_t", "/mnt/koji(/.*)?"] };
const RELABEL = { argv: ["/usr/sbin/restorecon", "-R", "-v", "/mnt/koji"], result: loadOutput("restorecon", "relabel.txt") };
const KOJI: SelinuxFcontextProps = { pattern: "/mnt/koji(/.*)?", type: "public_content_rw_t" };

let root: string;
beforeEach(() => {
  root = tempRoot();
  fs.mkdirSync(join(root, "mnt/koji"), { recursive: true });
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
const ctxWith = (exec: RecordingExecutor) => kindContext(root, { exec, sandbox: false });

describe("selinux-fcontext (replayed semanage/restorecon output)", () => {
  it("rule missing → semanage fcontext -a, restorecon -R -v; re-observe finds rule and labels right", async () => {
    const exec = new RecordingExecutor([
      ENFORCING, rules("fcontext-local-empty.txt"),
      ADD, RELABEL,
      ENFORCING, rules("fcontext-local-koji.txt"), dryRun("dry-run-clean.txt"),
    ]);
    const r = await cycle(selinuxFcontextKind, KOJI, ctxWith(exec));
    expect(r).toEqual({ before: ["fcontext /mnt/koji(/.*)? → public_content_rw_t (add)", "relabel /mnt/koji (restorecon -R /mnt/koji)"], after: [] });
    expect(exec.pending).toEqual([]);
  });

  it("rule right, labels right → nothing (the dry run prints nothing)", async () => {
    const exec = new RecordingExecutor([ENFORCING, rules("fcontext-local-koji.txt"), dryRun("dry-run-clean.txt")]);
    expect(selinuxFcontextKind.diff(KOJI, await selinuxFcontextKind.observe(KOJI, ctxWith(exec)))).toEqual([]);
    expect(exec.pending).toEqual([]);
  });

  it("rule right but files mislabeled → restorecon only, no semanage", async () => {
    const exec = new RecordingExecutor([ENFORCING, rules("fcontext-local-koji.txt"), dryRun("dry-run-mislabeled.txt"), RELABEL]);
    const ctx = ctxWith(exec);
    const observed = await selinuxFcontextKind.observe(KOJI, ctx);
    expect(selinuxFcontextKind.diff(KOJI, observed)).toEqual(["4 paths under /mnt/koji mislabeled, first /mnt/koji: mnt_t → public_content_rw_t (restorecon -R /mnt/koji)"]);
    await selinuxFcontextKind.apply(KOJI, observed, ctx);
    expect(exec.pending).toEqual([]);
  });

  it("rule with another type (httpd_sys_rw_content_t) → semanage fcontext -m, then restorecon", async () => {
    const exec = new RecordingExecutor([
      ENFORCING, rules("fcontext-local-koji-httpd.txt"),
      { argv: ["/usr/sbin/semanage", "fcontext", "-m", "-t", "public_content_rw_t", "/mnt/koji(/.*)?"] }, RELABEL,
    ]);
    const ctx = ctxWith(exec);
    const observed = await selinuxFcontextKind.observe(KOJI, ctx);
    expect(selinuxFcontextKind.diff(KOJI, observed)[0]).toBe("fcontext /mnt/koji(/.*)? httpd_sys_rw_content_t → public_content_rw_t");
    await selinuxFcontextKind.apply(KOJI, observed, ctx);
    expect(exec.pending).toEqual([]);
  });

  it("only a directory rule for the pattern (someone else's) → our all-files rule is added", async () => {
    const exec = new RecordingExecutor([ENFORCING, rules("fcontext-local-dir-only.txt"), ADD, RELABEL]);
    const ctx = ctxWith(exec);
    await selinuxFcontextKind.apply(KOJI, await selinuxFcontextKind.observe(KOJI, ctx), ctx);
    expect(exec.pending).toEqual([]);
  });

  it("path does not exist yet → rule only, no restorecon", async () => {
    fs.rmSync(join(root, "mnt/koji"), { recursive: true });
    const exec = new RecordingExecutor([ENFORCING, rules("fcontext-local-empty.txt"), ADD]);
    const ctx = ctxWith(exec);
    const observed = await selinuxFcontextKind.observe(KOJI, ctx);
    expect(selinuxFcontextKind.diff(KOJI, observed)).toEqual(["fcontext /mnt/koji(/.*)? → public_content_rw_t (add)"]);
    await selinuxFcontextKind.apply(KOJI, observed, ctx);
    expect(exec.pending).toEqual([]);
  });

  it("labelCheck top → dry run and relabel of the path itself, no -R", async () => {
    const props: SelinuxFcontextProps = { ...KOJI, labelCheck: "top" };
    const exec = new RecordingExecutor([ENFORCING, rules("fcontext-local-koji.txt"), dryRun("dry-run-clean.txt", [])]);
    expect(selinuxFcontextKind.diff(props, await selinuxFcontextKind.observe(props, ctxWith(exec)))).toEqual([]);
    expect(exec.pending).toEqual([]);
  });

  it("pattern with no literal directory and no path → error asking for path", async () => {
    const exec = new RecordingExecutor([]);
    await expect(selinuxFcontextKind.observe({ pattern: "/(.*)", type: "public_content_rw_t" }, ctxWith(exec))).rejects.toThrow("cannot derive the directory to relabel from pattern /(.*); set path");
  });

  it("SELinux disabled → fails clearly before semanage", async () => {
    const exec = new RecordingExecutor([{ argv: ["/usr/sbin/getenforce"], result: loadOutput("getenforce", "disabled.txt") }]);
    await expect(selinuxFcontextKind.observe(KOJI, ctxWith(exec))).rejects.toThrow(/^SELinux is disabled on this host \(getenforce: Disabled\): file contexts cannot be read or set/);
  });
});

/** Local rules and on-disk types, answering like semanage and restorecon. */
function fakePolicy(labels: Record<string, string>) {
  const local = new Map<string, string>();
  const wanted = (path: string) => (path === "/mnt/koji" || path.startsWith("/mnt/koji/") ? local.get("/mnt/koji(/.*)?") : undefined) ?? "mnt_t";
  const ctx = (t: string) => `system_u:object_r:${t}:s0`;
  return new RecordingExecutor((req: ExecRequest) => {
    const [cmd, ...args] = req.argv;
    if (cmd === "/usr/sbin/getenforce") return { stdout: "Enforcing\n" };
    if (cmd === "/usr/sbin/semanage" && args[1] === "-l") {
      return { stdout: [...local].map(([p, t]) => `${p.padEnd(50)} ${"all files".padEnd(18)} ${ctx(t)} \n`).join("") };
    }
    if (cmd === "/usr/sbin/semanage" && (args[1] === "-a" || args[1] === "-m")) {
      local.set(args[4]!, args[3]!);
      return {};
    }
    if (cmd === "/usr/sbin/restorecon") {
      const dry = args.includes("-n");
      const lines = Object.entries(labels).filter(([p, t]) => t !== wanted(p)).map(([p, t]) => {
        if (!dry) labels[p] = wanted(p);
        return `${dry ? "Would relabel" : "Relabeled"} ${p} from ${ctx(t)} to ${ctx(wanted(p))}\n`;
      });
      return { stdout: lines.join("") };
    }
    return undefined;
  });
}

describe("selinux-fcontext noop = apply (stateful fake)", () => {
  it("fresh host: rule added and tree relabelled; second run clean", async () => {
    const exec = fakePolicy({ "/mnt/koji": "mnt_t", "/mnt/koji/packages": "mnt_t" });
    expect(await expectNoopMatchesApply(selinuxFcontextKind, KOJI, ctxWith(exec))).toHaveLength(2);
  });

  it("rule in place, a subtree copied in with its old labels → relabelled", async () => {
    const exec = fakePolicy({ "/mnt/koji": "public_content_rw_t", "/mnt/koji/repos": "user_home_t" });
    await exec.run({ argv: ["/usr/sbin/semanage", "fcontext", "-a", "-t", "public_content_rw_t", "/mnt/koji(/.*)?"] });
    expect(await expectNoopMatchesApply(selinuxFcontextKind, KOJI, ctxWith(exec))).toEqual([
      "1 path under /mnt/koji mislabeled, first /mnt/koji/repos: user_home_t → public_content_rw_t (restorecon -R /mnt/koji)",
    ]);
  });
});
