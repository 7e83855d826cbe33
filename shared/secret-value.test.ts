import { describe, expect, it } from "vitest";
import { secretValueProblem, stripTrailingNewline } from "./secret-value.js";

describe("secret values", () => {
  it.each([
    ["pw\n", "pw", true],
    ["pw\r\n", "pw", true],
    ["pw\n\n", "pw\n", true],
    ["pw", "pw", false],
    ["\n", "", true],
  ])("stripTrailingNewline(%j) → %j", (raw, value, stripped) => {
    expect(stripTrailingNewline(raw)).toEqual({ value, stripped });
  });

  it.each([
    ["", "empty"],
    ["a\nb", "line break"],
    ["a\rb", "line break"],
    ["a\tb", null],
    ["a\0b", "control character"],
    ["x".repeat(4097), "at most 4096"],
    ["correct horse battery staple", null],
  ])("secretValueProblem(%j)", (value, problem) => {
    const p = secretValueProblem(value);
    if (problem === null) expect(p).toBeNull();
    else expect(p).toContain(problem);
  });

  it("a refusal never quotes the value", () => {
    expect(secretValueProblem("hunter2\nhunter3")).not.toContain("hunter");
  });
});
