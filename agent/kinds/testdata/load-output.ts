// Reads a tool-output fixture for replay tests. A fixture is a header of "# " lines (where
// the text comes from, "# $ <command>", "# exit <code>", optionally "# stream stderr" when the
// body is stderr, or "# stderr: <line>" for stderr next to a stdout body) and then the
// output, byte for byte. The header is never part of the output.
import { readFileSync } from "node:fs";
import type { ExecResult } from "../../providers/executor.js";

export type Replayed = Pick<ExecResult, "stdout" | "stderr" | "exitCode">;

export function loadOutput(tool: string, name: string): Replayed {
  const text = readFileSync(new URL(`./${tool}/${name}`, import.meta.url), "utf8");
  const lines = text.split("\n");
  let i = 0;
  let exitCode = 0;
  let stream: "stdout" | "stderr" = "stdout";
  let stderr = "";
  for (; i < lines.length && lines[i]!.startsWith("#"); i++) {
    const exit = /^# exit (\d+)$/.exec(lines[i]!);
    if (exit) exitCode = Number(exit[1]);
    if (lines[i] === "# stream stderr") stream = "stderr";
    if (lines[i]!.startsWith("# stderr: ")) stderr += `${lines[i]!.slice("# stderr: ".length)}\n`;
  }
  const body = lines.slice(i).join("\n");
  return { exitCode, stdout: stream === "stdout" ? body : "", stderr: stream === "stderr" ? body : stderr };
}
