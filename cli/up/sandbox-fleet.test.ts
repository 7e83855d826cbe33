// `koji-fleet up`'s nats-server is confined like production: every client logs in (users from
// the production renderer, generated passwords), and a host added to fleet.yaml later gets its
// user by a reload before its agent starts.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "@nats-io/transport-node";
import { SandboxFleet } from "./sandbox-fleet.js";
import { silentLogger } from "../../shared/log.js";
import { eventSubject } from "../../shared/names.js";
import { useTmpDirs } from "../../test/support/tmp.js";
import { waitFor } from "../../test/support/wait.js";
import { runGit } from "../../test/support/git.js";
import type { HostView } from "../../shared/api/hosts.js";

const tmp = useTmpDirs();

describe("koji-fleet up's nats-server", () => {
  let fleet: SandboxFleet;
  let dir: string;
  const hosts = async () => ((await (await fetch(`${fleet.apiUrl}/api/v1/hosts`)).json()) as { hosts: HostView[] }).hosts;
  const ready = async (n: number) => waitFor(async () => (await hosts()).filter((h) => h.phase === "Ready").length === n, { timeoutMs: 45_000, message: `${n} hosts Ready` });

  beforeAll(async () => {
    dir = await tmp("kf-up-");
    fleet = new SandboxFleet({ dir, httpPort: 0, pollSeconds: 1, log: silentLogger() });
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

  it("gives a host added to fleet.yaml its user, and its agent comes up", async () => {
    const file = join(fleet.repoDir, "fleet.yaml");
    const yaml = await readFile(file, "utf8");
    await writeFile(file, `${yaml.trimEnd()}\n  - name: cs10-koji-05\n    address: 192.168.122.15\n    roles: [lookaside]\n`);
    await runGit(fleet.repoDir, ["commit", "-qam", "a sixth host"]);
    await ready(6);
  }, 60_000);
});
