// What the agent process loads, as packaged: packaging/bundle.mjs splits the CLI so that
// `koji-fleet agent` imports the entry, the agent command's chunk and the chunks those import
// statically, nothing else. Every module in them costs resident memory on every host for as
// long as the agent runs (bench/README.md, agent-footprint), so what may be there is listed
// here: a new package in the agent is a decision, not an accident.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { useTmpDirs } from "./support/tmp.js";

const REPO = new URL("..", import.meta.url).pathname;
const tmp = useTmpDirs();
type Meta = { outputs: Record<string, { imports: { path: string; kind: string }[]; inputs: Record<string, unknown>; entryPoint?: string }> };

/** The source files (repository paths, node_modules/… for packages) in the agent's chunks. */
let agentInputs: string[];
beforeAll(async () => {
  const out = await tmp("kf-agent-bundle-");
  await promisify(execFile)(process.execPath, [join(REPO, "packaging/bundle.mjs"), "--outdir", out], { cwd: REPO });
  const { outputs } = JSON.parse(await readFile(join(out, "meta.json"), "utf8")) as Meta;
  const entry = Object.keys(outputs).find((f) => f.endsWith("/koji-fleet.mjs"))!;
  const command = Object.keys(outputs).find((f) => outputs[f]!.entryPoint === "cli/commands/agent.ts")!;
  const loaded = new Set<string>();
  for (const queue = [entry, command]; queue.length; ) {
    const file = queue.pop()!;
    if (loaded.has(file)) continue;
    loaded.add(file);
    queue.push(...outputs[file]!.imports.filter((i) => i.kind === "import-statement" && outputs[i.path]).map((i) => i.path));
  }
  agentInputs = [...loaded].flatMap((f) => Object.keys(outputs[f]!.inputs)).map((i) => i.replace(/^.*?node_modules\//, "node_modules/"));
}, 120_000);

describe("the agent process loads only the agent's code (the RPM's bundle)", () => {
  it("of this repository: agent/, shared/, and of cli/ the entry, the command table, the daemon runner and the agent command", () => {
    const own = agentInputs.filter((i) => !i.startsWith("node_modules/"));
    expect(own.filter((i) => !/^(agent|shared)\//.test(i)).sort()).toEqual(["cli/command.ts", "cli/commands.ts", "cli/commands/agent.ts", "cli/daemon.ts", "cli/main.ts"]);
    expect(own).toEqual(expect.arrayContaining(["agent/agent.ts", "agent/kinds/index.ts", "shared/protocol.ts"]));
  });

  it("of the packages: NATS, TypeBox, yaml (agent.yaml) and pino, with what they import; no Ajv, fastify, simple-git or node-forge", () => {
    const packages = new Set(agentInputs.map((i) => /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(i)?.[1]).filter((p) => p !== undefined));
    expect([...packages].sort()).toEqual([
      "@nats-io/jetstream", "@nats-io/kv", "@nats-io/nats-core", "@nats-io/nkeys", "@nats-io/nuid", "@nats-io/transport-node", // NATS
      "@pinojs/redact", "@sinclair/typebox", "atomic-sleep", "on-exit-leak-free", "pino", "pino-std-serializers", "quick-format-unescaped",
      "safe-stable-stringify", "sonic-boom", "thread-stream", "tweetnacl", "yaml",
    ]);
  });
});
