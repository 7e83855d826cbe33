// What the agent process loads, as packaged: packaging/bundle.mjs splits the CLI so that
// `koji-fleet agent` imports the entry, the agent command's chunk and the chunks those import
// statically, nothing else. Every module in them costs resident memory on every host for as
// long as the agent runs (bench/README.md, agent-footprint), so what may be there is listed
// here: a new package in the agent is a decision, not an accident.
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { useTmpDirs } from "./support/tmp.js";
import { commandClosure, type Metafile } from "../packaging/bundle-meta.mjs";

const REPO = new URL("..", import.meta.url).pathname;
const tmp = useTmpDirs();
let out: string;
/** The source files (repository paths, node_modules/… for packages) in the agent's chunks, and the Node built-ins they name. */
let agent: { inputs: string[]; builtins: string[] };
beforeAll(async () => {
  out = await tmp("kf-agent-bundle-");
  await promisify(execFile)(process.execPath, [join(REPO, "packaging/bundle.mjs"), "--outdir", out], { cwd: REPO });
  agent = commandClosure(JSON.parse(await readFile(join(out, "meta.json"), "utf8")) as Metafile, "cli/commands/agent.ts");
}, 120_000);

describe("the agent process loads only the agent's code (the RPM's bundle)", () => {
  it("of this repository: agent/, shared/, and of cli/ the entry, the command table, the daemon runner and the agent command", () => {
    const own = agent.inputs.filter((i) => !i.startsWith("node_modules/"));
    expect(own.filter((i) => !/^(agent|shared)\//.test(i)).sort()).toEqual(["cli/command.ts", "cli/commands.ts", "cli/commands/agent.ts", "cli/daemon.ts", "cli/main.ts"]);
    expect(own).toEqual(expect.arrayContaining(["agent/agent.ts", "agent/kinds/index.ts", "shared/protocol.ts"]));
  });

  it("of the packages: NATS, TypeBox, yaml (agent.yaml) and pino, with what they import; no Ajv, fastify, simple-git or node-forge", () => {
    const packages = new Set(agent.inputs.map((i) => /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(i)?.[1]).filter((p) => p !== undefined));
    expect([...packages].sort()).toEqual([
      "@nats-io/jetstream", "@nats-io/kv", "@nats-io/nats-core", "@nats-io/nkeys", "@nats-io/nuid", "@nats-io/transport-node", // NATS
      "@pinojs/redact", "@sinclair/typebox", "atomic-sleep", "on-exit-leak-free", "pino", "pino-std-serializers", "quick-format-unescaped",
      "safe-stable-stringify", "sonic-boom", "thread-stream", "tweetnacl", "yaml",
    ]);
  });

  it("the Node built-ins its chunks name are all loaded by `koji-fleet agent` as it starts (agent-footprint's floor loads them alone)", async () => {
    const dir = await tmp("kf-agent-builtins-");
    const listed = join(dir, "loaded.json");
    // Node's own list of the modules a process loaded, written as the agent exits (its config missing).
    await writeFile(join(dir, "list.cjs"), `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(listed)}, JSON.stringify(process.moduleLoadList)));`);
    const started = await promisify(execFile)(process.execPath, ["--require", join(dir, "list.cjs"), join(out, "koji-fleet.mjs"), "agent", "--config", join(dir, "missing.yaml")]).catch((err: { code: number; stderr: string }) => err);
    expect(started.stderr).toContain("KF_ERR_CONFIG_INVALID");
    const loaded = (JSON.parse(await readFile(listed, "utf8")) as string[]).filter((m) => m.startsWith("NativeModule ")).map((m) => m.slice("NativeModule ".length));
    expect(agent.builtins).toEqual(expect.arrayContaining(["child_process", "crypto", "http", "tls"]));
    expect(agent.builtins.filter((b) => !loaded.includes(b))).toEqual([]);
  });
});
