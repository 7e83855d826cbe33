// What V8 makes of a YAML file's strings: the parser's are slices of the source, so one character
// beyond Latin-1 anywhere in the file (a comment) makes every value two bytes per character, and
// everything built from them (a 10,000-host fleet's catalogs: docs/scaling.md). V8 says how it
// holds a string only through %DebugPrint, under --allow-natives-syntax: a child process of the
// built code (npm test builds first), its printout's `u"…"` is a two-byte string.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

const script = `
const { parseYaml } = await import(${JSON.stringify(`${ROOT}dist/shared/yaml-config.js`)});
const { parseDocument } = await import("yaml");
const source = "# mxos-10 … lands here\\nhosts:\\n  - name: cs10-koji-00\\n    address: 192.168.122.10\\n";
const parsed = parseYaml(source, "fleet.yaml");
const host = parsed.doc.toJS().hosts[0];
const raw = parseDocument(source).toJS().hosts[0];
for (const s of [raw.name, host.name, host.address]) %DebugPrint(s);
`;

function debugPrints(): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--allow-natives-syntax", "--input-type=module", "-e", script], { cwd: ROOT }, (err, stdout) => {
      if (err) return reject(err);
      resolve(stdout.split("\n").filter((l) => l.startsWith("DebugPrint:")));
    });
  });
}

describe("a YAML file's strings", () => {
  it("are one byte per character once loaded, though the file has a character beyond Latin-1 and the parser's own are two", async () => {
    const [raw, name, address] = await debugPrints();
    expect(raw).toMatch(/\[String\]: u"cs10-koji-00"/);
    expect(name).toMatch(/\[String\]: "cs10-koji-00"/);
    expect(address).toMatch(/\[String\]: "192\.168\.122\.10"/);
  });
});
