// The real agent CLI as a child process (dist/, built by `npm test`), for scenarios that kill it
// or put it in another network namespace. Its output is kept for failure messages.
import { spawn, type ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TestFleet } from "../support/fleet.js";

const CLI = new URL("../../bin/koji-fleet.js", import.meta.url).pathname;

export class ChildAgent {
  log = "";
  private child: ChildProcess | null = null;

  private constructor(private readonly configFile: string, private readonly prefix: readonly string[]) {}

  /** The settings the in-process agent of `host` ran with; `servers` overrides the NATS URLs. */
  static async configure(fleet: TestFleet, host: string, opts: { servers?: string[]; prefix?: string[] } = {}): Promise<ChildAgent> {
    const { nats, root, sandbox, stateDir, heartbeatSeconds, identityDir, catalogKeyFile } = fleet.agentConfig(host);
    const configFile = join(fleet.dir, `agent-${host}.yaml`);
    // JSON is YAML.
    const config = { host, nats: { servers: opts.servers ?? nats.servers, reconnectWaitMs: 100 }, root, sandbox, stateDir, heartbeatSeconds, identityDir, catalogKeyFile, logLevel: "warn" };
    await writeFile(configFile, JSON.stringify(config));
    return new ChildAgent(configFile, opts.prefix ?? []);
  }

  start(): void {
    const argv = [...this.prefix, process.execPath, CLI, "agent", "--config", this.configFile];
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    this.log = "";
    for (const s of [this.child.stdout!, this.child.stderr!]) s.on("data", (d: Buffer) => (this.log = (this.log + d.toString()).slice(-4_000)));
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(signal);
    await exited;
  }
}
