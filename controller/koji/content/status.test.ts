// The declared objects' states from a pass's lines: each line counts for the most specific path.
import { describe, expect, it } from "vitest";
import { KNOWN } from "../../../test/support/koji-content-hub.js";
import { desiredContentOf } from "./desired.js";
import { contentObjects, pathOf } from "./status.js";

const desired = desiredContentOf(
  {
    users: { alice: { permissions: ["tag"] } },
    tags: {
      a: { groups: [{ name: "build", packages: ["bash"] }] },
      b: { state: "absent" },
      ab: { inheritance: [{ parent: "a", priority: 0 }] },
    },
  },
  KNOWN,
);

describe("content objects", () => {
  it("a line is about the longest declared path it starts with, not a shorter one or a name that merely begins alike", () => {
    const declared = new Set(["tag a", "tag ab", "tag a group build", "tag a group build package bash"]);
    expect(pathOf("+ tag a group build package bash", declared)).toBe("tag a group build package bash");
    expect(pathOf("~ tag a: arches (none) → x86_64", declared)).toBe("tag a");
    expect(pathOf("+ tag ab parent a priority=0", declared)).toBe("tag ab");
    expect(pathOf("- tag gone (no longer declared)", declared)).toBeNull();
  });

  it("failed beats pending, the rest is converged, unmanaged objects come last; an absent tag's state is absent", () => {
    const objects = contentObjects(desired, {
      pending: ["+ tag a group build package bash", "+ tag ab parent a priority=0", "! tag ab parent a: priority 0 is held by unmanaged parent x"],
      failed: ["+ tag a group build package bash"],
      unmanaged: ["? tag x"],
    });
    expect(Object.fromEntries(objects.map((o) => [o.path, `${o.declared ?? "-"} ${o.state}`]))).toEqual({
      "user alice": "present converged",
      "user alice permission tag": "present converged",
      "tag a": "present converged",
      "tag a group build": "present converged",
      "tag a group build package bash": "present failed",
      "tag ab": "present converged",
      "tag ab parent a": "present pending",
      "tag b": "absent converged",
      "tag x": "- unmanaged",
    });
  });
});
