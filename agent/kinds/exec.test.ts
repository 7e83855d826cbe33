import * as fs from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RecordingExecutor } from "../providers/executor.js";
import { execKind, showArgv, type ExecProps } from "./exec.js";
import { cycle, kindContext, tempRoot } from "../../test/support/kinds.js";

let root: string;
beforeEach(() => {
  root = tempRoot();
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const RPM_Q = ["/usr/bin/rpm", "-q", "koji-hub"];
const INIT = ["/usr/bin/koji-init", "--db"];

describe("exec guards (observe → diff, replayed commands)", () => {
  it.each<[string, Partial<ExecProps>, { argv: string[]; exitCode: number }[], string[]]>([
    ["unless exits 0 → skip", { unless: RPM_Q }, [{ argv: RPM_Q, exitCode: 0 }], []],
    ["unless fails → run", { unless: RPM_Q }, [{ argv: RPM_Q, exitCode: 1 }], ["run /usr/bin/koji-init --db (unless failed)"]],
    ["onlyIf exits 0 → run", { onlyIf: RPM_Q }, [{ argv: RPM_Q, exitCode: 0 }], ["run /usr/bin/koji-init --db (onlyIf succeeded)"]],
    ["onlyIf fails → skip", { onlyIf: RPM_Q }, [{ argv: RPM_Q, exitCode: 1 }], []],
    ["creates exists → skip without running any guard", { creates: "/done", unless: RPM_Q }, [], []],
    ["creates absent and unless fails → run, both reasons", { creates: "/missing", unless: RPM_Q }, [{ argv: RPM_Q, exitCode: 3 }], ["run /usr/bin/koji-init --db (/missing is absent, unless failed)"]],
    ["refreshOnly → never runs on its own, no guard run", { refreshOnly: true, unless: RPM_Q }, [], []],
  ])("%s", async (_name, guards, replies, want) => {
    fs.writeFileSync(join(root, "done"), "");
    const exec = new RecordingExecutor(replies.map(({ argv, exitCode }) => ({ argv, result: { exitCode } })));
    const props: ExecProps = { argv: INIT, ...guards };
    const observed = await execKind.observe(props, kindContext(root, { exec }));
    expect(execKind.diff(props, observed)).toEqual(want);
    expect(exec.pending).toEqual([]);
  });

  it("no guard at all → observe refuses (it could never converge)", async () => {
    await expect(execKind.observe({ argv: INIT }, kindContext(root, { exec: new RecordingExecutor([]) }))).rejects.toThrow(/exec needs creates, unless, onlyIf or refreshOnly/);
  });

  it("guards and command get cwd under the root, env, and the resource's signal", async () => {
    fs.mkdirSync(join(root, "var"));
    const exec = new RecordingExecutor([{ argv: RPM_Q, result: { exitCode: 1 } }, { argv: INIT }]);
    const ctx = kindContext(root, { exec });
    const props: ExecProps = { argv: INIT, unless: RPM_Q, cwd: "/var", env: { PGHOST: "db" }, timeoutSeconds: 7 };
    await execKind.apply(props, await execKind.observe(props, ctx), ctx);
    expect(exec.calls.map((c) => ({ ...c, signal: c.signal === ctx.signal }))).toEqual([
      { argv: RPM_Q, cwd: join(root, "var"), env: { PGHOST: "db" }, timeoutMs: 60_000, signal: true },
      { argv: INIT, cwd: join(root, "var"), env: { PGHOST: "db" }, timeoutMs: 7_000, signal: true },
    ]);
  });
});

describe("exec apply (real commands)", () => {
  it("creates absent → runs touch, then converged", async () => {
    const marker = join(root, "marker");
    const r = await cycle(execKind, { argv: ["/usr/bin/touch", marker], creates: "/marker" }, kindContext(root));
    expect(r).toEqual({ before: [`run /usr/bin/touch ${marker} (/marker is absent)`], after: [] });
    expect(fs.existsSync(marker)).toBe(true);
  });

  it("command fails → error has the exit code and the tail of stderr", async () => {
    const props: ExecProps = { argv: ["/bin/ls", "/no/such/dir"], creates: "/never" };
    await expect(cycle(execKind, props, kindContext(root))).rejects.toThrow(/^\/bin\/ls \/no\/such\/dir exited with code 2 \(expected 0\): .*\/no\/such\/dir/);
  });

  it("exit code listed in returns → success", async () => {
    const props: ExecProps = { argv: ["/bin/ls", "/no/such/dir"], creates: "/never", returns: [0, 2] };
    const ctx = kindContext(root);
    await expect(execKind.apply(props, await execKind.observe(props, ctx), ctx)).resolves.toBeUndefined();
  });

  it("refresh of a refreshOnly exec → runs it and says so; of a normal exec → nothing", async () => {
    const marker = join(root, "refreshed");
    const ctx = kindContext(root);
    expect(await execKind.refresh!({ argv: ["/usr/bin/touch", marker], refreshOnly: true }, ctx)).toEqual([`ran /usr/bin/touch ${marker}`]);
    expect(fs.existsSync(marker)).toBe(true);
    expect(await execKind.refresh!({ argv: ["/bin/false"], creates: "/x" }, ctx)).toEqual([]);
  });

  it("refresh of a refreshOnly exec whose guard says done → does not run", async () => {
    const exec = new RecordingExecutor([{ argv: RPM_Q, result: { exitCode: 0 } }]);
    expect(await execKind.refresh!({ argv: INIT, refreshOnly: true, unless: RPM_Q }, kindContext(root, { exec }))).toEqual([]);
    expect(exec.calls).toHaveLength(1);
  });
});

describe("showArgv", () => {
  it("quotes only words that need it", () => {
    expect(showArgv(["/usr/bin/psql", "-c", "select 1", "a=b"])).toBe('/usr/bin/psql -c "select 1" a=b');
  });
});
