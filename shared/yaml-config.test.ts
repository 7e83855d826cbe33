import { describe, expect, it } from "vitest";
import { describePath, formatConfigError, loadYaml } from "./yaml-config.js";
import { Type } from "@sinclair/typebox";

describe("describePath: a data path as a person reads it", () => {
  const data = { hosts: [{ name: "a1", roles: ["hub"], settings: { workdir: "/x" } }, { address: "10.0.0.1" }], koji: { hub: {} } };
  it.each([
    ["a list item with a name → named", ["hosts", 0], "hosts[0] a1"],
    ["below a named item → the rest dotted", ["hosts", 0, "settings", "workdir"], "hosts[0] a1: settings.workdir"],
    ["a list below a named item → its index", ["hosts", 0, "roles", 0], "hosts[0] a1: roles[0]"],
    ["an item without a name → the JSON pointer", ["hosts", 1, "address"], "/hosts/1/address"],
    ["no list → the JSON pointer", ["koji", "hub"], "/koji/hub"],
    ["the root → /", [], "/"],
    ["a key with / and ~ → escaped as in a JSON pointer", ["koji", "a/b~c"], "/koji/a~1b~0c"],
  ])("%s", (_name, path, expected) => {
    expect(describePath(path, data)).toBe(expected);
  });
});

describe("schema errors name the item and suggest an allowed value", () => {
  const Schema = Type.Object({ items: Type.Array(Type.Object({ name: Type.String(), colour: Type.Union([Type.Literal("red"), Type.Literal("green")]) })) });
  const Enum = Type.Object({ items: Type.Array(Type.Object({ name: Type.String(), kinds: Type.Array(Type.Unsafe<string>({ type: "string", enum: ["alpha", "beta"] })) })) });

  it("an enum value in a list: the list's noun, the item's name, did you mean", () => {
    const res = loadYaml("items:\n  - name: one\n    kinds: [alpah]\n", "f.yaml", Enum);
    expect(res.ok ? [] : res.errors.map(formatConfigError)).toEqual(["f.yaml:3:13: items[0] one: unknown kind 'alpah' (did you mean 'alpha'?); allowed: alpha, beta"]);
  });

  it("a wrong type below a named item: the item named, the key after it", () => {
    const res = loadYaml("items:\n  - name: one\n    colour: 3\n", "f.yaml", Schema);
    expect(res.ok ? [] : res.errors.map(formatConfigError)).toContain("f.yaml:3:13: items[0] one: colour must be string");
  });
});

describe("values are what the file says, whatever its characters", () => {
  it("Latin-1 and wider characters, escapes, aliases and a comment beyond Latin-1 read back exactly", () => {
    const Doc = Type.Object({ a: Type.String(), b: Type.String(), c: Type.String(), d: Type.String(), list: Type.Array(Type.Object({ x: Type.String() })), again: Type.Array(Type.Object({ x: Type.String() })) });
    const source = ["# koji build mxos-10 … lands here", "a: plain ascii", "b: café", "c: ✓ done", 'd: "tab\\there \\u00e9 \\ud83d\\ude00"', "list: &l", "  - x: one", "again: *l", ""].join("\n");
    const res = loadYaml(source, "f.yaml", Doc);
    expect(res.ok && res.value).toEqual({ a: "plain ascii", b: "café", c: "✓ done", d: "tab\there é 😀", list: [{ x: "one" }], again: [{ x: "one" }] });
    expect(res.ok && res.value.again).toBe(res.ok && res.value.list);
  });
});
