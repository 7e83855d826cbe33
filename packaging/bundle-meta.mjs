// What one command of the bundle (packaging/bundle.mjs) loads, read from esbuild's metafile
// (meta.json beside it): the entry, the command's chunk and every chunk they import statically.
// test/agent-bundle.test.ts checks what the agent's hold; bench/agent-footprint.mjs loads the
// same Node built-ins in a bare node for the floor under the agent's resident memory.
import { isBuiltin } from "node:module";

/**
 * The chunks `koji-fleet <command>` loads (`entryPoint`: the command's source, e.g.
 * "cli/commands/agent.ts"), the source files in them (packages as node_modules/<name>/...),
 * and the Node built-ins they import or require (without "node:", sorted).
 */
export function commandClosure(metafile, entryPoint) {
  const { outputs } = metafile;
  const entry = Object.keys(outputs).find((f) => f.endsWith("/koji-fleet.mjs"));
  const command = Object.keys(outputs).find((f) => outputs[f].entryPoint === entryPoint);
  if (!entry || !command) throw new Error(`the bundle's metafile has no entry or no chunk for ${entryPoint}`);
  const chunks = new Set();
  const builtins = new Set();
  for (const queue = [entry, command]; queue.length > 0; ) {
    const file = queue.pop();
    if (chunks.has(file)) continue;
    chunks.add(file);
    for (const i of outputs[file].imports) {
      if (i.external && isBuiltin(i.path)) builtins.add(i.path.replace(/^node:/, ""));
      else if (i.kind === "import-statement" && outputs[i.path]) queue.push(i.path);
    }
  }
  const inputs = [...chunks].flatMap((f) => Object.keys(outputs[f].inputs)).map((i) => i.replace(/^.*?node_modules\//, "node_modules/"));
  return { chunks: [...chunks], inputs, builtins: [...builtins].sort() };
}
