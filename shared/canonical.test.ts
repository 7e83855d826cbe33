import { describe, expect, it } from "vitest";
import { canonicalJson, digestOf } from "./canonical.js";

describe("canonical JSON", () => {
  it.each([
    ["sorts keys at every depth", { b: 1, a: { d: [{ z: 1, y: 2 }], c: 3 } }, '{"a":{"c":3,"d":[{"y":2,"z":1}]},"b":1}'],
    ["keeps array order", [3, 1, 2], "[3,1,2]"],
    ["drops undefined members", { a: undefined, b: null }, '{"b":null}'],
    ["escapes strings like JSON", { s: 'x"\n' }, '{"s":"x\\"\\n"}'],
  ])("%s", (_name, input, expected) => {
    expect(canonicalJson(input)).toBe(expected);
  });

  it("refuses numbers JSON cannot carry", () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/NaN/);
  });

  it("gives equal digests for equal content written in another key order", () => {
    expect(digestOf({ a: 1, b: [1, 2] })).toBe(digestOf({ b: [1, 2], a: 1 }));
    expect(digestOf({ a: 1 })).not.toBe(digestOf({ a: 2 }));
    expect(digestOf({})).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
