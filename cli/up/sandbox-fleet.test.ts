// `koji-fleet up`'s nats-server is confined like production: every client logs in (users from
// the production renderer, generated passwords), and a host added to fleet.yaml later gets its
// user by a reload before its agent starts, started by the revision that adds it (no timer
// looks for new hosts). A commit wakes the controller through the
// post-commit hook, which starts no node. The poll is an hour, so whatever a commit does within
// the test's timeouts, the hook made happen.
import { execFile } from "node:child_process";
import { access, readFile, symlink, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "@nats-io/transport-node";
import { SandboxFleet } from "./sandbox-fleet.js";
import { pino } from "pino";
import { eventSubject } from "../../shared/names.js";
import { useTmpDirs } from "../../test/support/tmp.js";
import { waitFor } from "../../test/support/wait.js";
import { runGit } from "../../test/support/git.js";
import type { HostView } from "../../shared/api/hosts.js";
import type { Fleet } from "../../shared/api/fleet.js";
import type { FleetEvent } from "../../shared/protocol.js";

const tmp = useTmpDirs();
const POLL_SECONDS = 3600;

/** The absolute path of `tool` on this process's PATH. */
async function onPath(tool: string): Promise<string> {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, tool);
    if (await access(candidate).then(() => true, () => false)) return candidate;
  }
  throw new Error(`${tool} is not on PATH`);
}

describe("koji-fleet up", () => {
  let fleet: SandboxFleet;
  let dir: string;
  const hosts = async () => ((await (await fetch(`${fleet.apiUrl}/api/v1/hosts`)).json()) as { hosts: HostView[] }).hosts;
  const ready = async (n: number) => waitFor(async () => (await hosts()).filter((h) => h.phase === "Ready").length === n, { timeoutMs: 45_000, message: `${n} hosts Ready` });

  /** Hosts whose agents `up` started, in its log's order. */
  const started: string[] = [];
  /** revision → the hosts whose agents were started once the controller's event accepting it was handled. */
  const startedWhenAccepted = new Map<string, string[]>();
  const log = pino({ level: "info" }, {
    write(line: string) {
      const entry = JSON.parse(line) as { msg: string; hosts?: string[] };
      if (entry.msg === "starting agents") started.push(...entry.hosts!);
    },
  });
  const onEvent = (e: FleetEvent) => {
    // Listeners run in a row, in the same turn: by the next one, every listener has seen the event.
    if (e.type === "revision-accepted") setImmediate(() => startedWhenAccepted.set(e.revision!, [...started]));
  };

  beforeAll(async () => {
    dir = await tmp("kf-up-");
    fleet = new SandboxFleet({ dir, httpPort: 0, pollSeconds: POLL_SECONDS, log, onEvent });
    await fleet.start();
    await ready(5);
  }, 90_000);
  afterAll(async () => {
    await fleet?.stop();
  });

  it("refuses a client without credentials, or with a wrong password", async () => {
    await expect(connect({ servers: fleet.natsUrl, maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization Violation/i);
    await expect(connect({ servers: fleet.natsUrl, user: "cs10-koji-03", pass: "guess", maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization Violation/i);
  });

  it("confines a host's user like production: its own subjects only", async () => {
    const pw = JSON.parse(await readFile(join(dir, "nats/passwords.json"), "utf8")) as Record<string, string>;
    const nc = await connect({ servers: fleet.natsUrl, user: "cs10-koji-03", pass: pw["cs10-koji-03"]!, maxReconnectAttempts: 0 });
    const errors: string[] = [];
    void (async () => {
      for await (const s of nc.status()) if (s.type === "error") errors.push(String(s.error.message));
    })();
    nc.publish(eventSubject("cs10-koji-00"), "{}");
    await nc.flush();
    await expect.poll(() => errors.join("\n")).toMatch(/Permissions Violation for Publish to "kf\.events\.cs10-koji-00"/);
    await nc.close();
  });

  it("starts the agent of a host added to fleet.yaml as its revision is accepted; it gets its user and comes up", async () => {
    const file = join(fleet.repoDir, "fleet.yaml");
    const yaml = await readFile(file, "utf8");
    await writeFile(file, `${yaml.trimEnd()}\n  - name: cs10-koji-05\n    address: 192.168.122.15\n    roles: [lookaside]\n`);
    await runGit(fleet.repoDir, ["commit", "-qam", "a sixth host"]);
    const sha = (await runGit(fleet.repoDir, ["rev-parse", "HEAD"])).trim();
    await waitFor(() => startedWhenAccepted.has(sha), { timeoutMs: 15_000, message: `revision ${sha} accepted (poll: ${POLL_SECONDS} s)` });
    expect(startedWhenAccepted.get(sha)).toContain("cs10-koji-05");
    await ready(6);
  }, 60_000);

  describe("post-commit hook", () => {
    const inForce = async () => ((await (await fetch(`${fleet.apiUrl}/api/v1/fleet`)).json()) as Fleet).revision?.sha;

    /** `git commit` with a PATH that holds only git and `tools` (links to them): no node on it. */
    async function commitWith(tools: string[], message: string): Promise<string> {
      const bin = await tmp("kf-bin-");
      for (const t of ["git", ...tools]) await symlink(await onPath(t), join(bin, t));
      const file = join(fleet.repoDir, "fleet.yaml");
      await writeFile(file, `${await readFile(file, "utf8")}# ${message}\n`);
      const env = { PATH: bin, HOME: bin, LC_ALL: "C", GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };
      await promisify(execFile)(join(bin, "git"), ["commit", "-qam", message], { cwd: fleet.repoDir, env });
      return (await runGit(fleet.repoDir, ["rev-parse", "HEAD"])).trim();
    }

    it("starts no node: the hook is sh and names no node binary", async () => {
      const hook = await readFile(join(fleet.repoDir, ".git/hooks/post-commit"), "utf8");
      expect(hook.startsWith("#!/bin/sh\n")).toBe(true);
      expect(hook).not.toContain(process.execPath);
      expect(hook).toContain(`url='${fleet.apiUrl}/hooks/git'`);
    });

    it.each([["curl"], ["wget"]])("wakes the controller with %s (PATH without node) long before the poll", async (tool) => {
      const sha = await commitWith([tool], `woken by ${tool}`);
      await waitFor(async () => (await inForce()) === sha, { timeoutMs: 15_000, message: `${sha} in force (poll: ${POLL_SECONDS} s)` });
    }, 30_000);
  });
});
