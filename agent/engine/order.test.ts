import { describe, expect, it } from "vitest";
import type { Resource } from "../../shared/protocol.js";
import { CycleError, DuplicateIdError, UnknownReferenceError, orderResources } from "./order.js";

const r = (id: string, requires: string[] = [], notifies: string[] = []): Resource => ({ id, kind: "file", props: {}, requires, notifies });
const ids = (rs: Resource[]): string[] => rs.map((x) => x.id);

describe("orderResources", () => {
  it.each<[string, Resource[], string[]]>([
    ["no edges → catalog order", [r("c"), r("a"), r("b")], ["c", "a", "b"]],
    ["already ordered → unchanged", [r("a"), r("b", ["a"]), r("c", ["b"])], ["a", "b", "c"]],
    ["dependency listed later → moved before its dependent", [r("conf", ["pkg"]), r("pkg")], ["pkg", "conf"]],
    ["ties keep catalog order", [r("x", ["base"]), r("y"), r("base"), r("z", ["base"])], ["y", "base", "x", "z"]],
    ["diamond → each after all it requires", [r("d", ["b", "c"]), r("c", ["a"]), r("b", ["a"]), r("a")], ["a", "c", "b", "d"]],
    ["notifies orders the notifier first", [r("restart"), r("conf", [], ["restart"])], ["conf", "restart"]],
    ["duplicate requires → counted once", [r("b", ["a", "a"]), r("a")], ["a", "b"]],
  ])("%s", (_name, input, want) => {
    expect(ids(orderResources(input))).toEqual(want);
  });

  it("cycle → CycleError naming the cycle from its first resource", () => {
    const err = (() => {
      try {
        orderResources([r("x"), r("b", ["c"]), r("a", ["b"]), r("c", ["a"]), r("after", ["a"])]);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CycleError);
    expect((err as CycleError).message).toBe("dependency cycle: b → c → a → b");
    expect((err as CycleError).cycle).toEqual(["b", "c", "a", "b"]);
  });

  it("three-cycle in catalog order → a → b → c → a", () => {
    expect(() => orderResources([r("a", ["b"]), r("b", ["c"]), r("c", ["a"])])).toThrow("dependency cycle: a → b → c → a");
  });

  it("self dependency → a one-resource cycle", () => {
    expect(() => orderResources([r("a", ["a"])])).toThrow("dependency cycle: a → a");
  });

  it("cycle through a notify edge → named too", () => {
    expect(() => orderResources([r("svc", ["conf"]), r("conf", [], ["svc"]), r("x", [], ["conf"]), r("y", ["x"], ["x"])])).toThrow("dependency cycle: x → y → x");
  });

  it.each<[string, Resource[], string]>([
    ["unknown requires", [r("a", ["ghost"])], "resource 'a' requires unknown resource 'ghost'"],
    ["unknown notifies", [r("a", [], ["ghost"])], "resource 'a' notifies unknown resource 'ghost'"],
  ])("%s → UnknownReferenceError", (_name, input, message) => {
    expect(() => orderResources(input)).toThrow(UnknownReferenceError);
    expect(() => orderResources(input)).toThrow(message);
  });

  it("duplicate ids → DuplicateIdError", () => {
    expect(() => orderResources([r("a"), r("a")])).toThrow(new DuplicateIdError("a"));
  });
});
