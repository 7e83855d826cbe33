import { describe, expect, it } from "vitest";
import { ExecError, RecordingExecutor, createExecutor } from "./executor.js";

const exec = createExecutor();

describe("createExecutor", () => {
  it("runs argv without a shell and captures stdout", async () => {
    const r = await exec.run({ argv: ["/bin/echo", "$HOME", "a b"] });
    expect(r).toMatchObject({ argv: ["/bin/echo", "$HOME", "a b"], exitCode: 0, signal: null, stdout: "$HOME a b\n", timedOut: false });
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("non-zero exit → resolves with the code and stderr", async () => {
    const r = await exec.run({ argv: ["/bin/ls", "/definitely/not/here"] });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain("/definitely/not/here");
  });

  it("program that does not exist → rejects with ExecError and the ENOENT cause", async () => {
    const err = await exec.run({ argv: ["/no/such/program"] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecError);
    expect((err as ExecError).message).toMatch(/\/no\/such\/program: cannot start/);
    expect(((err as ExecError).cause as NodeJS.ErrnoException).code).toBe("ENOENT");
  });

  it("passes input on stdin, env over the agent's, and cwd", async () => {
    expect((await exec.run({ argv: ["/bin/cat"], input: "hello" })).stdout).toBe("hello");
    expect((await exec.run({ argv: ["/usr/bin/env"], env: { KF_TEST: "1" } })).stdout).toMatch(/^KF_TEST=1$/m);
    expect((await exec.run({ argv: ["/bin/pwd"], cwd: "/tmp" })).stdout).toBe("/tmp\n");
  });

  it("slow command → killed at the timeout, timedOut set", async () => {
    const r = await exec.run({ argv: ["/bin/sleep", "10"], timeoutMs: 100 });
    expect(r).toMatchObject({ timedOut: true, exitCode: null, signal: "SIGTERM" });
  });

  it("abort signal → kills the command", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const r = await exec.run({ argv: ["/bin/sleep", "10"], signal: controller.signal });
    expect(r).toMatchObject({ timedOut: false, signal: "SIGTERM" });
  });

  it("already aborted → rejects without starting", async () => {
    await expect(exec.run({ argv: ["/bin/true"], signal: AbortSignal.abort() })).rejects.toBeInstanceOf(ExecError);
  });

  it("large output → keeps head and tail with a truncation marker", async () => {
    const r = await exec.run({ argv: ["/usr/bin/seq", "1", "10000"], maxOutputBytes: 100 });
    expect(r.stdout.startsWith("1\n2\n3\n")).toBe(true);
    expect(r.stdout.endsWith("9999\n10000\n")).toBe(true);
    expect(r.stdout).toMatch(/…\[\d+ bytes truncated\]…/);
    expect(r.stdout.length).toBeLessThan(200);
  });
});

describe("RecordingExecutor", () => {
  it("replays replies in order and records the exact requests", async () => {
    const rec = new RecordingExecutor([
      { argv: ["/usr/bin/rpm", "-q", "koji"], result: { exitCode: 1, stdout: "package koji is not installed\n" } },
      { argv: ["/usr/bin/true"] },
    ]);
    expect(await rec.run({ argv: ["/usr/bin/rpm", "-q", "koji"] })).toMatchObject({ exitCode: 1, stdout: "package koji is not installed\n" });
    expect(await rec.run({ argv: ["/usr/bin/true"], cwd: "/" })).toMatchObject({ exitCode: 0, stdout: "", timedOut: false });
    expect(rec.calls.map((c) => c.argv)).toEqual([["/usr/bin/rpm", "-q", "koji"], ["/usr/bin/true"]]);
    expect(rec.pending).toEqual([]);
  });

  it("unexpected argv → rejects naming both commands", async () => {
    const rec = new RecordingExecutor([{ argv: ["/usr/bin/true"] }]);
    await expect(rec.run({ argv: ["/usr/bin/false"] })).rejects.toThrow('unexpected command ["/usr/bin/false"], expected ["/usr/bin/true"]');
  });

  it("more calls than expected → rejects", async () => {
    const rec = new RecordingExecutor([]);
    await expect(rec.run({ argv: ["/usr/bin/true"] })).rejects.toThrow("no more commands expected");
  });

  it("responder function → replies by request; undefined means unknown", async () => {
    const rec = new RecordingExecutor((req) => (req.argv[0] === "/usr/bin/id" ? { stdout: "0\n" } : undefined));
    expect((await rec.run({ argv: ["/usr/bin/id", "-u"] })).stdout).toBe("0\n");
    await expect(rec.run({ argv: ["/bin/rm", "-rf", "/"] })).rejects.toThrow('unexpected command ["/bin/rm","-rf","/"]');
  });

  it("scripted error → rejects like a program that cannot start", async () => {
    const rec = new RecordingExecutor([{ argv: ["/x"], error: new ExecError(["/x"], "/x: cannot start") }]);
    await expect(rec.run({ argv: ["/x"] })).rejects.toBeInstanceOf(ExecError);
  });
});
