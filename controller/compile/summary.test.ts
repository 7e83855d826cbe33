import { describe, expect, it } from "vitest";
import { contentSummary, secretNamesIn, summarize } from "./summary.js";
import { compiled, reference } from "../../test/support/compiled-fleet.js";

describe("summarize", () => {
  it("has a one-line summary of its own for every kind the compiler emits (no raw JSON fallback)", () => {
    const fleet = reference();
    fleet.hosts[0]!.roles = ["hub", "web", "kojira", "nfs"];
    fleet.hosts.splice(2, 1);
    const { catalogs } = compiled(fleet, { caCertPem: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n" });
    for (const r of catalogs.flatMap((c) => c.resources)) {
      const line = summarize(r);
      expect(line, r.id).not.toMatch(/^\{/);
      expect(line, r.id).not.toContain("\n");
    }
  });

  it("names secrets, never templates; sizes and digests contents", () => {
    expect(summarize({ id: "secret-file:/s", kind: "secret-file", props: { path: "/s", template: "a={{secret:one}} b={{secret:two}} {{secret:one}}", mode: "0600" }, requires: [], notifies: [] })).toBe("0600, secrets: one, two");
    expect(secretNamesIn("x")).toEqual([]);
    expect(contentSummary("a\nb\n")).toMatch(/^2 lines, sha256 [0-9a-f]{12}$/);
    expect(contentSummary("")).toMatch(/^0 lines/);
  });
});
