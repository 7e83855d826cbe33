import { describe, expect, it } from "vitest";
import { MANAGED_HEADER, managedHeader, parseIni, renderIni } from "./ini.js";

describe("renderIni", () => {
  const text = renderIni(
    [
      { name: "one", entries: [["b", "x y"], ["a", 3], { comment: "why" }, ["flag", true], ["off", false], ["list", ["p", "q"]], ["skipped", undefined]] },
      { name: "two", entries: [["k", ""]] },
    ],
    ["extra header"],
  );

  it("writes the managed header, sections and keys in the given order", () => {
    expect(text).toBe(
      `# ${MANAGED_HEADER}\n# extra header\n\n[one]\nb = x y\na = 3\n# why\nflag = True\noff = False\nlist = p q\n\n[two]\nk =\n`,
    );
  });

  it("round-trips through parseIni", () => {
    expect(parseIni(text)).toEqual({ one: { b: "x y", a: "3", flag: "True", off: "False", list: "p q" }, two: { k: "" } });
  });

  it("is deterministic", () => {
    expect(renderIni([{ name: "s", entries: [["k", "v"]] }])).toBe(renderIni([{ name: "s", entries: [["k", "v"]] }]));
  });

  it.each([
    ["a newline in a value", [["k", "a\nb"]]],
    ["a % (kojira and kojiweb interpolate)", [["k", "100%"]]],
    ["an invalid key", [["bad key", "v"]]],
  ] as const)("refuses %s", (_what, entries) => {
    expect(() => renderIni([{ name: "s", entries }])).toThrow();
  });
});

describe("values of several lines (IniLines)", () => {
  const text = renderIni([{ name: "policy", entries: [["build_from_scm", { lines: ["has_perm admin :: allow", "all :: deny"] }], ["after", "x"]] }]);

  it("are written as ConfigParser continuation lines, indented under an empty first line", () => {
    expect(text).toBe(`# ${MANAGED_HEADER}\n\n[policy]\nbuild_from_scm =\n    has_perm admin :: allow\n    all :: deny\nafter = x\n`);
  });

  it("round-trip through parseIni, joined by newlines", () => {
    expect(parseIni(text)).toEqual({ policy: { build_from_scm: "has_perm admin :: allow\nall :: deny", after: "x" } });
  });

  it("refuse a % or a newline inside a line", () => {
    expect(() => renderIni([{ name: "s", entries: [["k", { lines: ["a :: allow", "b\nc"] }]] }])).toThrow();
    expect(() => renderIni([{ name: "s", entries: [["k", { lines: ["100% :: allow"] }]] }])).toThrow();
  });
});

describe("managedHeader", () => {
  it("comments every line", () => {
    expect(managedHeader("a", "b")).toBe(`# ${MANAGED_HEADER}\n# a\n# b\n`);
  });
});
